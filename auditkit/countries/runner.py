"""Old import path of countries' run API (now auditkit/countries/mentions_run.py), kept only
while report/rerun.py names it; remove once replay goes through auditkit.runkinds."""

from auditkit.countries.mentions_run import CountriesConfig, read_mentions, run_countries

__all__ = ["CountriesConfig", "read_mentions", "run_countries"]
