"""Terminal tables of `auditkit eval`: an eval summary (per model and group, changes along
chains, disparities, reference gaps) and the task list. Reads summary dicts and plain rows
only; every text from them goes through ``esc``.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from auditkit.console import console, esc

_NUMERIC = ("value", "95% CI", "n")


def _scale(summary: dict[str, Any]) -> float:
    percent = summary.get("percent")
    if percent is None:  # summaries written before the key existed
        percent = summary.get("binary") or summary["metric"] in ("f1", "exact_match")
    return 100.0 if percent else 1.0


def _signed(scale: float, value: float) -> str:
    return f"{scale * value:+.{1 if scale == 100 else 3}f}"


def print_eval_summary(summary: dict[str, Any]) -> None:
    """Every table of one eval summary, in the order the CLI has always printed them."""
    scale = _scale(summary)
    console.print(_values_table(summary, scale))
    print_chains(summary)
    print_reference_gaps(summary)
    if not summary["steps"]:
        return
    rounded = any("delta_points_rounded" in r for r in summary["steps"])
    console.print(_steps_table(summary, scale, rounded))
    if rounded:
        console.print(
            "¹ difference of the two values each rounded to 0.1 point, "
            "as the paper reports its deltas"
        )
    console.print(_disparity_table(summary, scale))
    for msg in summary.get("unmatched_chains", []):
        console.print(f"[yellow]note:[/] {esc(msg)}")


def _values_table(summary: dict[str, Any], scale: float) -> Table:
    metric = summary["metric"]
    fmt = "{:.1f}" if scale == 100.0 else "{:.3f}"
    t = Table(title=f"{esc(summary['task'])}: {esc(metric)}" + (" (%)" if scale == 100.0 else ""))
    for col in ("model", summary.get("group_label", "group"), *_NUMERIC):
        t.add_column(esc(col), justify="right" if col in _NUMERIC else "left")
    for model, per_group in summary["models"].items():
        for g in summary["groups"]:
            v = per_group.get(g)
            if not v or v["value"] is None:
                continue
            t.add_row(
                esc(model),
                esc(g),
                fmt.format(scale * v["value"]),
                f"[{fmt.format(scale * v['ci_low'])}, {fmt.format(scale * v['ci_high'])}]",
                str(v["n"]),
            )
    return t


def _steps_table(summary: dict[str, Any], scale: float, rounded: bool) -> Table:
    s = Table(title="changes along chains (p: paired test, Holm-corrected across groups)")
    cols = ["chain", "step", "group", "delta", "95% CI"]
    cols += ["Δ rounded¹"] if rounded else []
    for col in cols + ["p", "p_holm"]:
        s.add_column(col, justify="right" if col not in ("chain", "step", "group") else "left")
    for r in summary["steps"]:
        if r["delta"] is None:
            continue
        s.add_row(
            esc(r["chain"]),
            esc(f"{r['from_stage']}→{r['to_stage']}"),
            esc(r["group"]),
            _signed(scale, r["delta"]),
            f"[{_signed(scale, r['delta_ci_low'])}, {_signed(scale, r['delta_ci_high'])}]",
            *([f"{r['delta_points_rounded']:+.1f}"] if rounded else []),
            f"{r['p']:.2g}",
            f"{r['p_holm']:.2g}",
        )
    return s


def _disparity_table(summary: dict[str, Any], scale: float) -> Table:
    d = Table(
        title=f"disparity: {esc(summary['reference_group'])} change minus each group's change"
    )
    for col in ("chain", "step", "range (max-min)", "vs reference"):
        d.add_column(col)
    for r in summary["disparities"]:
        if "range" not in r:
            continue
        vs = ", ".join(
            f"{esc(g)}: {_signed(scale, v['value'])}" for g, v in r.get("vs_reference", {}).items()
        )
        d.add_row(
            esc(r["chain"]),
            esc(f"{r['from_stage']}→{r['to_stage']}"),
            f"{scale * r['range']:.{1 if scale == 100 else 3}f} "
            f"({esc(r['max_group'])} - {esc(r['min_group'])})",
            vs,
        )
    return d


def print_chains(summary: dict[str, Any]) -> None:
    """Which chains were compared (and how each was formed), and the models in none."""
    how = {"study": "built-in", "auto": "formed from the outputs", "given": "--chain"}
    for c in summary.get("chains") or []:
        parts = []
        for st in c["stages"]:
            data = st.get("data")
            note = f" [data: {', '.join(data)}]" if data else ""
            parts.append(f"{st['stage']}={st['model']}{note}")
        console.print(
            f"chain {esc(c['name'])} ({how.get(c.get('source', ''), 'given')}): "
            + esc(" → ".join(parts))
        )
    if summary.get("chains_mode") != "none":
        if not summary.get("chains"):
            console.print("no chain was formed from the given models")
        alone = summary.get("models_without_chain") or []
        console.print(
            f"models in no chain: {esc(', '.join(alone))}"
            if alone
            else "models in no chain: none (every given model is in a chain)"
        )


def print_reference_gaps(summary: dict[str, Any]) -> None:
    """The reference group's value minus each group's (the paper's Figure 5: USA minus
    country), per model and its change along each chain step; in points (x100)."""
    gaps = summary.get("reference_gaps") or {}
    if not gaps:
        return
    console.print(_gaps_table(summary, gaps))
    rows = summary.get("reference_gap_steps") or []
    if rows:
        console.print(_gap_steps_table(summary["reference_group"], rows))


def _gaps_table(summary: dict[str, Any], gaps: dict[str, Any]) -> Table:
    ref = summary["reference_group"]
    groups = [g for g in summary["groups"] if g != ref]
    t = Table(
        title=f"{esc(ref)} minus each {summary.get('group_label', 'group')} "
        f"(x100, paired per item; 95% CI)"
    )
    t.add_column("model", no_wrap=True)
    for g in groups:
        t.add_column(esc(g), justify="right")
    for model, per in gaps.items():
        cells = []
        for g in groups:
            v = per.get(g)
            cells.append(
                f"{100 * v['value']:+.3f} [{100 * v['ci_low']:+.2f}, {100 * v['ci_high']:+.2f}]"
                if v
                else ""
            )
        t.add_row(esc(model.split("/")[-1]), *cells)
    return t


def _gap_steps_table(ref: str, rows: list[dict[str, Any]]) -> Table:
    s = Table(title=f"change of {esc(ref)} minus group along chains (x100; p Holm-corrected)")
    for col in ("chain", "step", "group", "before", "after", "change", "95% CI", "p_holm"):
        s.add_column(col, justify="left" if col in ("chain", "step", "group") else "right")
    for r in rows:
        s.add_row(
            esc(r["chain"]),
            f"{esc(r['from_stage'])}→{esc(r['to_stage'])}",
            esc(r["group"]),
            f"{100 * r['from_value']:+.3f}",
            f"{100 * r['to_value']:+.3f}",
            f"{100 * r['delta']:+.3f}",
            f"[{100 * r['delta_ci_low']:+.2f}, {100 * r['delta_ci_high']:+.2f}]",
            f"{r['p_holm']:.2g}",
        )
    return s


def print_task_list(tasks: list[dict[str, str]], chains: dict[str, str]) -> None:
    """`eval list`: one row per task (task, axis, mode, groups, metrics, data), then the
    built-in chains (name -> 'stage=model → ...')."""
    t = Table(title="eval tasks")
    t.add_column("task", no_wrap=True, min_width=16)
    for col in ("axis", "mode", "groups", "metrics (default first)", "data"):
        t.add_column(col, overflow="fold")
    for row in tasks:
        t.add_row(*(row[k] for k in ("task", "axis", "mode", "groups", "metrics", "data")))
    console.print(t)
    c = Table(title="built-in chains (--chain NAME, or --chain study for all)")
    c.add_column("chain", no_wrap=True, min_width=16)
    c.add_column("stages")
    for name, stages in chains.items():
        c.add_row(esc(name), esc(stages))
    console.print(c)
