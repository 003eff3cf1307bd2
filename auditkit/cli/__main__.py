"""`python -m auditkit.cli ...` runs the `auditkit` command."""

from auditkit.cli import main

# The guard keeps worker pools on spawn (auditkit.workers.pool_context: an unguarded __main__ is
# re-run by spawned workers, so it gets fork instead).
if __name__ == "__main__":
    main()
