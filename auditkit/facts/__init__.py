"""Shared facts every side may use (countries, languages): pure data and lookups, no I/O."""
