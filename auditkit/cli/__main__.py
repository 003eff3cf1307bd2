"""`python -m auditkit.cli ...` runs the `auditkit` command."""

from auditkit.cli import main

# guarded: spawn/forkserver workers import the main module again (as __mp_main__)
if __name__ == "__main__":
    main()
