"""Country mentions in corpora (`auditkit countries`): registers its run kind."""

from auditkit.countries.config import CountriesConfig
from auditkit.runkinds import RUN_KINDS, RunKind, RunSettings


def _run(config: CountriesConfig, out, settings: RunSettings) -> dict:
    from auditkit.countries.mentions_run import run_countries

    return run_countries(
        config, out, workers=settings.workers, progress=settings.progress, overwrite=True
    )


RUN_KINDS.register("countries", RunKind(configs=(CountriesConfig,), run=_run))
