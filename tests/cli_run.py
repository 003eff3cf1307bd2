"""Run the `auditkit` command in this process, as a user would, and capture what it prints.

In process (not a subprocess) so that hundreds of malformed inputs run in seconds; an exception
that escapes ``auditkit.cli.main`` is what a user would see as a traceback, so it is reported
as such instead of being raised.
"""

from __future__ import annotations

import contextlib
import io
import os
import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    code: int
    out: str
    err: str
    traceback: str | None  # the text of an exception that escaped main()

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(*args: str | Path, cwd: str | Path | None = None) -> CliResult:
    from auditkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    code, tb = 0, None
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException:  # noqa: BLE001 - this is what the user would see
                tb = traceback.format_exc()
                code = 1
    finally:
        os.chdir(old)
    return CliResult(code, out.getvalue(), err.getvalue(), tb)


def assert_clean_exit(res: CliResult, codes: tuple[int, ...] = (0, 1, 2)) -> None:
    """Exit code in ``codes``, no traceback, and an error (exit 2) is one line."""
    assert res.traceback is None, res.traceback
    assert "Traceback (most recent call last)" not in res.text, res.text
    assert res.code in codes, (res.code, res.text)
    if res.code == 2:
        errors = [line for line in res.err.splitlines() if line.lower().startswith("error:")]
        assert len(errors) == 1, res.err
