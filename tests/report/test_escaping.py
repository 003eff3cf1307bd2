"""Every field of a run folder is untrusted input: a summary.json or audit.json edited by
anyone must not put markup into the HTML report, the compliance Markdown or the terminal.

The fuzz tests replace the values of one field at a time (a *field* is a path through the
JSON with list indices and data-keyed dict keys collapsed, so ``steps.*.n`` is one field) by
an injection payload — numbers included, since a number field is written into the page as
well — and then also the keys of each data-keyed map, render every format, and check the
output's structure: no element, attribute, Markdown link, HTML block or terminal escape
sequence that a clean render does not have.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from auditkit.errors import AuditkitError
from auditkit.report.compliance import md, md_code, render_compliance
from auditkit.report.html import render_html
from auditkit.report.links import LinkOptions, LinkSpec
from auditkit.report.model import ReportOptions, build_report_data
from auditkit.report.runs import load_runs
from tests.report.conftest import RUNS

PAYLOAD = (
    "</title></desc><script>alert(1)</script><img src=x onerror=alert(2)>"
    "\" onmouseover=\"alert(3)' onfocus='alert(4)"
)
MD_PAYLOAD = "<b>x</b> [link](https://e.invalid/a) **bold** `code`\n# heading\n- item"
TERM_PAYLOAD = (
    "[bold red]MARKUP[/] [/bold] \x1b[31mRED\x1b[0m \x1b]8;;https://e.invalid\x07L\x1b]8;;\x07"
)

# which run folders each fuzzed folder is reported with (a link needs both of its ends)
GROUPS = {
    "lang": ["lang", "eval_tydiqa"],
    "eval_tydiqa": ["lang", "eval_tydiqa"],
    "eval_md3": ["eval_md3"],
    "probe_rm": ["probe_rm", "probe_lm"],
    "probe_lm": ["probe_rm", "probe_lm"],
}


def _data_keyed(d: dict) -> bool:
    """A dict keyed by data (models, groups, surveys, sources) rather than by field names."""
    values = list(d.values())
    if len(values) > 1 and all(isinstance(v, (dict, list)) for v in values):
        return True  # {model: {...}}, {survey: {...}}
    counts = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return len(values) > 8 and counts  # {language code: count}


def fields(x: Any, path: tuple = ()) -> set[tuple]:
    """Leaf paths with list indices and data keys collapsed to '*'."""
    out: set[tuple] = set()
    if isinstance(x, dict):
        keyed = _data_keyed(x)
        for k, v in x.items():
            out |= fields(v, path + ("*" if keyed else k,))
    elif isinstance(x, list):
        for v in x:
            out |= fields(v, path + ("*",))
    else:
        out.add(path)
    return out


def keyed_maps(x: Any, path: tuple = ()) -> set[tuple]:
    """Paths of the data-keyed dicts (whose keys are shown as labels)."""
    out: set[tuple] = set()
    if isinstance(x, dict):
        keyed = _data_keyed(x)
        if keyed:
            out.add(path)
        for k, v in x.items():
            out |= keyed_maps(v, path + ("*" if keyed else k,))
    elif isinstance(x, list):
        for v in x:
            out |= keyed_maps(v, path + ("*",))
    return out


def replace_field(x: Any, field: tuple, value: Any, path: tuple = ()) -> Any:
    if isinstance(x, dict):
        keyed = _data_keyed(x)
        return {
            k: replace_field(v, field, value, path + ("*" if keyed else k,)) for k, v in x.items()
        }
    if isinstance(x, list):
        return [replace_field(v, field, value, path + ("*",)) for v in x]
    return value if path == field else x


def rename_keys(x: Any, target: tuple, payload: str, path: tuple = ()) -> Any:
    if isinstance(x, dict):
        keyed = _data_keyed(x)
        items = {
            k: rename_keys(v, target, payload, path + ("*" if keyed else k,)) for k, v in x.items()
        }
        if path == target:
            return {f"{payload}{k}": v for k, v in items.items()}
        return items
    if isinstance(x, list):
        return [rename_keys(v, target, payload, path + ("*",)) for v in x]
    return x


def _render(root: Path, folders: list[str], fmt: str = "html") -> str | None:
    """The report in one format (html, markdown, terminal), or None when the input is
    refused cleanly."""
    from rich.console import Console

    from auditkit.report.terminal import print_report

    try:
        runs = load_runs([root / f for f in folders])
        specs = (LinkSpec.parse("lang=llama-tulu:sft"),) if "lang" in folders else ()
        # --min-loss 0 and a lenient alpha: every flag, mark and star is drawn
        opts = ReportOptions(link_specs=specs, links=LinkOptions(min_loss_points=0, alpha=0.5))
        data = build_report_data(runs, opts)
    except AuditkitError:
        return None
    if fmt == "html":
        return render_html(data)
    if fmt == "markdown":
        return render_compliance(data)
    buf = io.StringIO()
    print_report(data, Console(file=buf, width=160, force_terminal=False, color_system=None))
    return buf.getvalue()


class _Structure(HTMLParser):
    """Tags, attribute names and javascript: URLs in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.js_urls = 0

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.add(name)
            if value and "javascript:" in value.lower():
                self.js_urls += 1

    handle_startendtag = handle_starttag


def _structure(html: str) -> _Structure:
    p = _Structure()
    p.feed(html)
    return p


def _md_tokens(text: str) -> list[str]:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough", "linkify"])
    out = []

    def walk(tokens):
        for t in tokens:
            out.append(t.type)
            if t.children:
                walk(t.children)

    try:
        walk(parser.parse(text))
    except ModuleNotFoundError:  # linkify-it-py absent: plain CommonMark
        out.clear()
        walk(MarkdownIt("commonmark").parse(text))
    return out


def _check_html(html: str, clean: _Structure, where: str) -> None:
    s = _structure(html)
    assert s.tags <= clean.tags, f"{where}: new elements {s.tags - clean.tags}"
    assert s.attrs <= clean.attrs, f"{where}: new attributes {s.attrs - clean.attrs}"
    assert not any(a.startswith("on") for a in s.attrs), where
    assert s.js_urls == 0, where
    assert "<script" not in html.lower(), where


def _check_markdown(text: str, clean: list[str], where: str) -> None:
    tokens = _md_tokens(text)
    for kind in ("html_inline", "html_block", "link_open", "image", "strong_open"):
        assert tokens.count(kind) <= clean.count(kind), f"{where}: {kind} from data"
    for kind in ("heading_open", "bullet_list_open", "fence", "code_block"):
        assert tokens.count(kind) == clean.count(kind), f"{where}: {kind} count changed"


def _cases(name: str) -> list[tuple[str, str, Any]]:
    """(file, description, transform) for every field and every data-keyed map of a folder."""
    out = []
    for fname in ("summary.json", "audit.json"):
        path = RUNS / name / fname
        if not path.is_file():
            continue
        doc = json.loads(path.read_text())
        for field in sorted(fields(doc), key=str):
            if field in (("kind",), ("schema",)):
                continue  # a changed kind is refused before anything is rendered
            out.append(
                (fname, ".".join(field), lambda d, f=field, p=PAYLOAD: replace_field(d, f, p))
            )
        for keyed in sorted(keyed_maps(doc), key=str):
            out.append(
                (
                    fname,
                    "keys of " + ".".join(keyed),
                    lambda d, k=keyed, p=PAYLOAD: rename_keys(d, k, p),
                )
            )
    return out


@pytest.fixture(scope="module")
def clean_renders():
    out = {}
    for name, group in GROUPS.items():
        out[name] = (_structure(_render(RUNS, group)), _md_tokens(_render(RUNS, group, "markdown")))
    return out


@pytest.mark.slow  # a full report per run kind
@pytest.mark.parametrize("name", sorted(GROUPS))
def test_every_field_is_escaped_in_html(name, clean_renders, tmp_path):
    """One render per field of the folder's summary.json and audit.json, payload in place of
    its values (strings and numbers alike); then one per data-keyed map, payload in its keys."""
    clean, _ = clean_renders[name]
    root = tmp_path / "runs"
    shutil.copytree(RUNS, root)
    tried = 0
    for fname, what, transform in _cases(name):
        original = json.loads((RUNS / name / fname).read_text())
        (root / name / fname).write_text(json.dumps(transform(copy.deepcopy(original))))
        rendered = _render(root, GROUPS[name])
        (root / name / fname).write_text(json.dumps(original))
        if rendered is None:
            continue
        tried += 1
        _check_html(rendered, clean, f"{name}/{fname} {what}")
    assert tried >= 10


def test_a_number_field_holding_markup_is_not_written_into_the_page(tmp_path):
    """The reported case: steps[].n of an eval summary (shown in the steps table and the bar
    tooltips) set to markup."""
    root = tmp_path / "runs"
    shutil.copytree(RUNS, root)
    f = root / "eval_tydiqa" / "summary.json"
    s = json.loads(f.read_text())
    for st in s["steps"]:
        st["n"] = "<img src=x onerror=alert(1)>"
    for per_group in s["models"].values():
        for v in per_group.values():
            v["n"] = "<script>alert(2)</script>"
    f.write_text(json.dumps(s))
    html = _render(root, ["lang", "eval_tydiqa"])
    if html is None:
        # refused by the summary validation (auditkit/report/schema.py: n is a count): one
        # line naming the file and the key, and no page written at all
        from tests.cli_run import run_cli

        page = tmp_path / "r.html"
        res = run_cli("report", root / "eval_tydiqa", "--html", page)
        assert res.code == 2 and res.traceback is None, res.text
        assert "summary.json: field '" in res.err and ".n': expected a count" in res.err
        assert not page.exists()
        return
    assert "<img" not in html and "<script" not in html
    assert "onerror=" not in html.replace("onerror=alert", "")  # not as an attribute
    assert _structure(html).attrs == _structure(_render(RUNS, ["lang", "eval_tydiqa"])).attrs


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_data_in_the_compliance_markdown_is_escaped(name, clean_renders, tmp_path):
    _, clean = clean_renders[name]
    root = tmp_path / "runs"
    shutil.copytree(RUNS, root)
    tried = 0
    for fname, what, _ in _cases(name):
        if fname != "summary.json" and "inputs" not in what:
            continue
        original = json.loads((RUNS / name / fname).read_text())
        field = tuple(what.split(".")) if not what.startswith("keys of ") else None
        if field is None:
            doc = rename_keys(original, tuple(what[8:].split(".")), MD_PAYLOAD)
        else:
            doc = replace_field(original, field, MD_PAYLOAD)
        (root / name / fname).write_text(json.dumps(doc))
        rendered = _render(root, GROUPS[name], "markdown")
        (root / name / fname).write_text(json.dumps(original))
        if rendered is None:
            continue
        tried += 1
        _check_markdown(rendered, clean, f"{name}/{fname} {what}")
    assert tried >= 5


@pytest.mark.slow  # a CLI subprocess per run kind
@pytest.mark.parametrize("name", sorted(GROUPS))
def test_data_in_the_terminal_report_is_escaped(name, tmp_path):
    """Rich markup in data is shown as text (no MarkupError, no style); ANSI and OSC-8
    sequences in data never reach the terminal."""
    root = tmp_path / "runs"
    shutil.copytree(RUNS, root)
    for fname, what, _ in _cases(name):
        if fname != "summary.json":
            continue
        original = json.loads((RUNS / name / fname).read_text())
        if what.startswith("keys of "):
            doc = rename_keys(original, tuple(what[8:].split(".")), TERM_PAYLOAD)
        else:
            doc = replace_field(original, tuple(what.split(".")), TERM_PAYLOAD)
        (root / name / fname).write_text(json.dumps(doc))
        rendered = _render(root, GROUPS[name], "terminal")
        (root / name / fname).write_text(json.dumps(original))
        if rendered is None:
            continue
        assert "\x1b" not in rendered and "\x07" not in rendered, f"{name} {what}"


def test_terminal_shows_markup_from_data_as_text(tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(RUNS, root)
    f = root / "probe_rm" / "summary.json"
    s = json.loads(f.read_text())
    s["model"] = "org/model[/bold]"
    s["reference_country"] = "[red]Narnia[/red]"
    f.write_text(json.dumps(s))
    text = _render(root, ["probe_rm", "probe_lm"], "terminal")
    assert "org/model[/bold]" in text and "[red]Narnia[/red]" in text


def test_markdown_escapers():
    assert md("a*b_c") == "a\\*b\\_c"
    assert md("<script>") == "\\<script\\>"
    assert md("# x") == "\\# x" and md("12. x") == "12\\. x" and md("- x") == "\\- x"
    assert md("see https://e.invalid") == "see https\\://e.invalid"
    assert md("two\nlines") == "two lines"
    assert md_code("a`b") == "``a`b``" and md_code("`x") == "`` `x ``"
