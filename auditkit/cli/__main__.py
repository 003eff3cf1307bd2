"""`python -m auditkit.cli ...` runs the `auditkit` command."""

from auditkit.cli import main

main()
