"""One rich console for tables (stdout) and one for progress and messages (stderr), and the
one escape helper for everything that comes from data and is shown on the terminal.

Data (model names, dataset names, file paths, country names, messages quoting a file) may hold
rich markup (``subset[/bold]`` crashes rendering with a MarkupError; ``[link=...]`` forges a
hyperlink) and terminal control sequences (ANSI colours, OSC-8 hyperlinks, cursor moves, C1
codes, bidi overrides). ``esc()`` makes such a value inert for a markup string; ``clean()``
for plain text. The consoles below are a safety net on top: every string they render has its
control characters neutralised, and a string that is not valid markup is shown literally
instead of crashing the output after the results are written.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape as _markup_escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# C0 (but tab and newline), DEL, C1 (0x80-0x9f: 8-bit CSI/OSC), and the invisible format
# characters that reorder or hide text (bidi overrides and isolates, zero-width marks, BOM).
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL_RE = re.compile(f"[{_CONTROLS}]")
_CONTROL_OR_BREAK_RE = re.compile(f"[{_CONTROLS}\t\n]")


def _visible(m: re.Match[str]) -> str:
    cp = ord(m.group())
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}"


def clean(value: Any) -> str:
    """``str(value)`` with every control character (ESC of ANSI/OSC-8 sequences included),
    tab and line break shown as a visible escape (``\\x1b``): a data value stays one inert
    line of text."""
    return _CONTROL_OR_BREAK_RE.sub(_visible, str(value))


def esc(value: Any) -> str:
    """A data value made safe to put inside a rich markup string: ``clean()`` plus rich
    markup escaping (``[/bold]`` is shown, not interpreted)."""
    return _markup_escape(clean(value))


class SafeConsole(Console):
    """A Console whose strings never carry control sequences to the terminal and never crash
    on bad markup. Values from data still go through ``esc()`` where they are formatted into
    markup, so that their brackets are shown instead of styling the output."""

    def render_str(self, text: str, **kwargs: Any):  # type: ignore[override]
        text = _CONTROL_RE.sub(_visible, text)
        try:
            return super().render_str(text, **kwargs)
        except MarkupError:
            return super().render_str(text, **{**kwargs, "markup": False})


console = SafeConsole(emoji=False)
# soft_wrap: an error message stays one line in logs and pipes (the terminal wraps it)
err_console = SafeConsole(stderr=True, emoji=False, soft_wrap=True)


class RateColumn(TextColumn):
    """Items per second, e.g. '2,314 utt/s'."""

    def __init__(self, unit: str = "it") -> None:
        super().__init__("")
        self.unit = unit

    def render(self, task):  # type: ignore[override]
        from rich.text import Text

        speed = task.finished_speed or task.speed
        if not speed and task.elapsed and task.completed:
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"- {self.unit}/s", style="cyan")


class DescriptionColumn(TextColumn):
    """The task description (it may name a corpus or model: data, so shown literally)."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[override]
        from rich.text import Text

        return Text(clean(task.description), style="bold")


def make_progress(unit: str = "it", disable: bool = False) -> Progress:
    """Progress bar with count, rate and ETA; goes to stderr so stdout stays parseable."""
    return Progress(
        DescriptionColumn(),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        disable=disable,
        transient=False,
    )
