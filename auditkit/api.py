"""The Python API: ``auditkit.lang``, ``auditkit.probe_rm``, ``auditkit.eval_run``,
``auditkit.eval_score``, ``auditkit.report`` and ``auditkit.check``.

Each takes what its command takes (keyword arguments named like the flags) and returns a typed
result: ``result.summary`` is the dict written to ``summary.json``, ``result.out`` the run
folder, and the result itself reads like that dict (``result["languages"]``), so code written
against the dicts the side APIs return keeps working. Inputs may also be in memory:

* ``lang(source)``: a path, alias or Hub id, or a ``datasets.Dataset``, a pandas DataFrame or
  a list of dicts (records in any format `auditkit corpora` lists);
* ``probe_rm(probes=...)``: a DataFrame or list of dicts with question, response (with
  ``{country}``), sentiment and category;
* ``eval_score(task, outputs)``: paths, or a DataFrame / list of dicts with columns model,
  item_id, group and the metric (a per-item table).

In-memory inputs are written once into the run folder (``input.jsonl`` / ``input.csv`` /
``input.parquet``), so ``audit.json`` fingerprints them and ``auditkit rerun`` can replay the
run. Works in a plain script, without an ``if __name__ == "__main__":`` guard.

Example::

    import auditkit

    res = auditkit.lang([{"messages": [{"role": "user", "content": "Habari yako?"}]}],
                        out="reports/lang/mine")
    print(res.languages.head())          # pandas DataFrame of the study's Table 2
    print(res["utterances_total"])       # the summary, as a dict
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditkit import __all__ as _PUBLIC_NAMES  # declared once, where `import auditkit` finds them
from auditkit.errors import AuditkitError

__all__ = list(_PUBLIC_NAMES)


@dataclass(frozen=True)
class RunResult(Mapping):
    """A finished run: its folder and summary; reads like the summary dict."""

    out: Path
    summary: dict[str, Any] = field(repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.summary[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.summary)

    def __len__(self) -> int:
        return len(self.summary)

    @property
    def audit(self) -> dict[str, Any]:
        """The run's audit.json (inputs with hashes, configuration, versions)."""
        return json.loads((self.out / "audit.json").read_text(encoding="utf-8"))


@dataclass(frozen=True, repr=False)
class LangResult(RunResult):
    def __repr__(self) -> str:
        s = self.summary
        return (
            f"LangResult({s.get('corpus')!r}, {s.get('utterances_total')} utterances, "
            f"{len(s.get('languages', []))} languages, out={str(self.out)!r})"
        )

    @property
    def languages(self):
        """The study's Table 2 as a DataFrame: code, name, count, share."""
        import pandas as pd

        return pd.DataFrame(self.summary["languages"], columns=["code", "name", "count", "share"])

    def utterances(self, columns: list[str] | None = None):
        """Every utterance's labels (and text with keep_text=True) as one DataFrame."""
        from auditkit.langid.lang_run import read_utterances

        return read_utterances(self.out, columns)


@dataclass(frozen=True, repr=False)
class ProbeResult(RunResult):
    def __repr__(self) -> str:
        s = self.summary
        what = s.get("model") or ", ".join(s.get("models", {}))
        return f"ProbeResult({what!r}, out={str(self.out)!r})"

    @property
    def countries(self):
        """Countries by mean rank (one model) as a DataFrame."""
        import pandas as pd

        if "countries" not in self.summary:
            raise AuditkitError("several models: see result['models'] for each one's countries")
        return pd.DataFrame(self.summary["countries"])

    def scores(self):
        """Every question x country score (scores.parquet) as a DataFrame."""
        import pandas as pd

        files = sorted(self.out.glob("**/scores.parquet"))
        if not files:
            raise AuditkitError(f"{self.out} has no scores.parquet (a --scores analysis)")
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


@dataclass(frozen=True, repr=False)
class EvalResult(RunResult):
    def __repr__(self) -> str:
        s = self.summary
        return f"EvalResult({s.get('task')!r}, models={list(s.get('models', {}))}, out={str(self.out)!r})"

    def outputs(self):
        """The per-item outputs (outputs.parquet) as a DataFrame."""
        import pandas as pd

        return pd.read_parquet(self.out / "outputs.parquet")

    @property
    def groups(self):
        """One row per model and group: value, CI and n."""
        import pandas as pd

        rows = [
            {"model": m, "group": g, **v}
            for m, per_group in self.summary["models"].items()
            for g, v in per_group.items()
        ]
        return pd.DataFrame(rows)


@dataclass(frozen=True, repr=False)
class ReportResult(Mapping):
    """A report: ``data`` (runs, links), ``out``; reads like links.json."""

    data: Any
    out: Path | None = None

    def _links(self) -> dict[str, Any]:
        from auditkit.report.api import links_json

        return links_json(self.data)

    def __getitem__(self, key: str) -> Any:
        return self._links()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._links())

    def __len__(self) -> int:
        return len(self._links())

    def __repr__(self) -> str:
        return f"ReportResult({len(self.data.runs)} runs, out={self.out})"

    def terminal(self) -> None:
        """Print the terminal report."""
        from auditkit.console import console
        from auditkit.report.terminal import print_report

        print_report(self.data, console)


# --- in-memory inputs ------------------------------------------------------------------------


def _is_in_memory(obj: Any) -> bool:
    return not isinstance(obj, (str, Path)) and obj is not None


def _records(obj: Any, what: str) -> list[dict[str, Any]]:
    """A datasets.Dataset, pandas DataFrame or list of dicts as a list of plain dicts."""
    try:
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            return obj.to_dict("records")
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pass
    if hasattr(obj, "to_list") and hasattr(obj, "features"):  # datasets.Dataset
        return list(obj.to_list())
    if isinstance(obj, Sequence) and all(isinstance(r, Mapping) for r in obj):
        return [dict(r) for r in obj]
    raise AuditkitError(
        f"{what}: expected a path, a datasets.Dataset, a pandas DataFrame or a list of dicts, "
        f"not {type(obj).__name__}"
    )


def _write_jsonl(records: list[dict[str, Any]], path: Path) -> Path:
    from auditkit.io import _jsonable, atomic_write_bytes

    if not records:
        raise AuditkitError(f"{path.name}: the in-memory input has no records")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps(_jsonable(r), ensure_ascii=False, sort_keys=True) + "\n" for r in records
    )
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


def _out_for(out: str | Path | None, kind: str, name: str) -> Path:
    from auditkit.io import default_out_dir

    return Path(out) if out is not None else default_out_dir(kind, name)


# --- the functions ---------------------------------------------------------------------------


def lang(source: Any = "sample", out: str | Path | None = None, **options: Any) -> LangResult:
    """Language-ID every utterance of ``source`` (see `auditkit lang --help`).

    options: workers, progress, overwrite, engine, ray_address and the run's settings
    (format, split, revision, strip_code, min_confidence, limit, low_resource_threshold,
    fasttext_model, langdetect_impl, shard_size, keep_text, text_field, messages_field).
    """
    from auditkit.langid.lang_run import run_lang

    if _is_in_memory(source):
        out_dir = _out_for(out, "lang", "in-memory")
        source = str(_write_jsonl(_records(source, "source"), out_dir / "input.jsonl"))
    else:
        out_dir = _out_for(out, "lang", str(source))
    summary = run_lang(str(source), out_dir, **options)
    return LangResult(out_dir, summary)


def probe_rm(
    model: str | Sequence[str] | None = None,
    scores: Sequence[str] | None = None,
    out: str | Path | None = None,
    **options: Any,
) -> ProbeResult:
    """Probe a reward model (or LM) with country templates, or analyse score files (see
    `auditkit probe-rm --help`). ``probes`` may be a DataFrame or list of dicts."""
    from auditkit.probes.api import default_out
    from auditkit.probes.api import probe_rm as run

    if isinstance(scores, (str, Path)):
        scores = [str(scores)]
    out_dir = Path(out) if out is not None else default_out(model, scores)
    probes = options.get("probes")
    if _is_in_memory(probes):
        import pandas as pd

        path = out_dir / "input_probes.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(_records(probes, "probes")).to_csv(path, index=False)
        options["probes"] = str(path)
    summary = run(model=model, scores=scores, out=out_dir, **options)
    return ProbeResult(out_dir, summary)


def eval_run(
    task: str | Sequence[str], model: str | None = None, out: str | Path | None = None, **options
) -> EvalResult | dict[str, EvalResult]:
    """Evaluate a model on a task (or several: a dict task -> result); see `auditkit eval run
    --help`. options: data, groups, limit, model_args, batch_size, dtype, device, ..."""
    from auditkit.evals.api import _task_list, run_eval
    from auditkit.evals.base import get_task
    from auditkit.io import default_out_dir, slug

    tasks = _task_list(task)
    result = run_eval(tasks, model, out=None if out is None else str(out), **options)
    if len(tasks) == 1:
        name = get_task(tasks[0]).name
        return EvalResult(Path(out) if out else default_out_dir("eval", name), result)
    return {
        name: EvalResult(
            (Path(out) / slug(name)) if out else default_out_dir("eval", name), summary
        )
        for name, summary in result.items()
    }


def eval_score(
    task: str, outputs: Any, out: str | Path | None = None, **options: Any
) -> EvalResult:
    """Score per-item outputs made anywhere (auditkit's, the study's, lm-eval --log_samples, a
    per-item table, or an in-memory DataFrame / list of dicts); see `auditkit eval score`."""
    from auditkit.evals.api import score_outputs
    from auditkit.evals.base import get_task
    from auditkit.io import default_out_dir

    spec = get_task(task)
    out_dir = Path(out) if out is not None else default_out_dir("eval", spec.name)
    if isinstance(outputs, (str, Path)):
        paths = [str(outputs)]
    elif _is_in_memory(outputs) and not (
        isinstance(outputs, Sequence) and all(isinstance(o, (str, Path)) for o in outputs)
    ):
        import pandas as pd

        path = out_dir / "input.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(_records(outputs, "outputs")).to_parquet(path, index=False)
        paths = [str(path)]
    else:
        paths = [str(o) for o in outputs]
    summary = score_outputs(spec.name, paths, out=str(out_dir), **options)
    return EvalResult(out_dir, summary)


def report(
    run_dirs: str | Path | Sequence[str | Path], out: str | Path | None = None, **options: Any
) -> ReportResult:
    """Join run folders into a report (see `auditkit report --help`); with ``out`` the folder
    receives report.html, compliance.md and links.json."""
    from auditkit.report.api import report as run

    dirs = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    data = run(dirs, out=out, **options)
    return ReportResult(data, Path(out) if out else None)


def check(policy: str | Path, run_dirs: str | Path | Sequence[str | Path]):
    """Evaluate a policy file over run folders; ``.exit_code`` is 0 pass, 1 fail, 2 error."""
    from auditkit.report.api import check as run

    dirs = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    return run(policy, dirs)
