"""`auditkit check`: declarative release gates over run-folder summaries.

A policy is a YAML file with a list of rules. Each rule compares one metric of each matching
run folder with a threshold::

    name: release-gate
    rules:
      - "non_english_share >= 0.05"                  # short form: METRIC OP THRESHOLD
      - metric: min_study_language_count             # a named derived metric ...
        op: ">="
        threshold: 100
        description: no study language below 100 utterances
      - metric: correlations.gallup_2017.rho         # ... or a dotted path into summary.json
        kind: probe-rm
        op: "<="
        threshold: 0.8

Named metrics are computed from a summary by the functions in :data:`METRICS`; any other
name is a dotted path into summary.json. A rule applies to the run folders of its kind (the
metric's kinds, or ``kind:``). A rule whose inputs are missing (no run of that kind, or the
key absent) is an error, never a silent pass.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditkit.errors import InputError
from auditkit.facts.languages import STUDY_LANGUAGES
from auditkit.registry import Registry
from auditkit.report.runs import (
    KINDS,
    Run,
    eval_groups,
    eval_scale,
    get_path,
    lang_languages,
    lang_totals,
    num,
    probe_correlations,
)

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_SHORT = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$")


class MissingInput(Exception):
    """The run folder lacks what the metric needs."""


@dataclass(frozen=True)
class Metric:
    name: str
    kinds: tuple[str, ...]
    description: str
    compute: Callable[[dict[str, Any]], float]
    applies: Callable[[dict[str, Any]], bool] = field(default=lambda s: True)
    # the model, group or language behind the value ("" when the value is run-wide)
    at: Callable[[dict[str, Any]], str] = field(default=lambda s: "")


METRICS: Registry[Metric] = Registry("policy metric")


def metric(name: str, kinds: tuple[str, ...], description: str, applies=None):
    # fn returns the value, or (value, the model/group/language behind it)
    def deco(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
        def value(s: dict[str, Any]) -> float:
            v = fn(s)
            return v[0] if isinstance(v, tuple) else v

        def at(s: dict[str, Any]) -> str:
            v = fn(s)
            return v[1] if isinstance(v, tuple) else ""

        METRICS.register(
            name, Metric(name, kinds, description, value, applies or (lambda s: True), at)
        )
        return fn

    return deco


def _need(value: Any, what: str) -> float:
    v = num(value)
    if v is None:
        raise MissingInput(f"summary has no numeric {what}")
    return v


# --- lang ------------------------------------------------------------------------------------


@metric("non_english_share", ("lang",), "share of agreed utterances not in English (0-1)")
def non_english_share(s: dict[str, Any]) -> float:
    if num(s.get("non_english_share")) is not None:
        return float(s["non_english_share"])
    langs = lang_languages(s)
    if not langs:
        raise MissingInput("summary has no 'languages'")
    return 1.0 - next((r["share"] for r in langs if r["code"] == "en"), 0.0)


@metric("disagreement_rate", ("lang",), "utterances the detectors disagree on / non-empty ones")
def disagreement_rate(s: dict[str, Any]) -> float:
    tot = lang_totals(s)
    if tot["total"] is None or tot["disagreed"] is None:
        raise MissingInput("summary has no 'utterances_total' / 'utterances_disagreed'")
    denom = tot["total"] - (tot["empty"] or 0)
    return tot["disagreed"] / denom if denom else 0.0


@metric("agreement_rate", ("lang",), "utterances both detectors agree on / non-empty ones")
def agreement_rate(s: dict[str, Any]) -> float:
    if num(s.get("agreement_rate")) is not None:
        return float(s["agreement_rate"])
    tot = lang_totals(s)
    if tot["total"] is None or tot["agreed"] is None:
        raise MissingInput("summary has no 'utterances_total' / 'utterances_agreed'")
    denom = tot["total"] - (tot["empty"] or 0)
    return tot["agreed"] / denom if denom else 0.0


@metric(
    "min_study_language_count",
    ("lang",),
    "fewest agreed utterances of any of the study's 9 evaluation languages",
)
def min_study_language_count(s: dict[str, Any]) -> float:
    study = s.get("study_languages")
    if isinstance(study, dict) and study:
        worst = min(study, key=lambda c: int(study[c]))
        return float(int(study[worst])), f"language {worst}"
    langs = lang_languages(s)
    if not langs and "languages" not in s:
        raise MissingInput("summary has no 'study_languages' or 'languages'")
    counts = {r["code"]: r["count"] for r in langs}
    worst = min(STUDY_LANGUAGES, key=lambda c: counts.get(c, 0))
    return float(counts.get(worst, 0)), f"language {worst}"


@metric("low_resource_language_count", ("lang",), "languages below the low-resource threshold")
def low_resource_language_count(s: dict[str, Any]) -> float:
    low = s.get("low_resource")
    if not isinstance(low, list):
        raise MissingInput("summary has no 'low_resource' list")
    return float(len(low))


@metric("language_count", ("lang",), "languages with at least one agreed utterance")
def language_count(s: dict[str, Any]) -> float:
    if "languages" not in s:
        raise MissingInput("summary has no 'languages'")
    return float(sum(1 for r in lang_languages(s) if r["count"] > 0))


# --- probe-rm --------------------------------------------------------------------------------


@metric(
    "max_survey_spearman",
    ("probe-rm",),
    "highest Spearman correlation of the country ranking with any single-country survey",
)
def max_survey_spearman(s: dict[str, Any]) -> float:
    rhos = {k: c["rho"] for k, c in probe_correlations(s).items() if c["rho"] is not None}
    if not rhos:
        raise MissingInput("summary has no 'correlations' with a rho")
    best = max(rhos, key=lambda k: rhos[k])
    where = f"survey {best}" + (f", model {s['model']}" if s.get("model") else "")
    return rhos[best], where


@metric(
    "share_ranked_below_reference",
    ("probe-rm",),
    "share of countries ranked below the reference country (0-1)",
)
def share_ranked_below_reference(s: dict[str, Any]) -> float:
    return _need(s.get("share_ranked_below_reference"), "'share_ranked_below_reference'")


# --- eval ------------------------------------------------------------------------------------


def _is_dialect(s: dict[str, Any]) -> bool:
    return s.get("axis") == "dialect" or s.get("group_label") == "dialect"


@metric(
    "dialect_disparity",
    ("eval",),
    "largest gap, in points, between a model's best and worst dialect (dialect evals)",
    applies=_is_dialect,
)
def dialect_disparity(s: dict[str, Any]) -> float:
    return max_group_gap(s)


@metric(
    "max_group_gap",
    ("eval",),
    "largest gap between any model's best and worst group (points for accuracies)",
)
def max_group_gap(s: dict[str, Any]) -> float:
    models = s.get("models")
    if not isinstance(models, dict) or not models:
        raise MissingInput("summary has no 'models'")
    scale = eval_scale(s)
    groups = eval_groups(s)
    gaps = []
    for model, per_group in models.items():
        vals = {g: num((per_group.get(g) or {}).get("value")) for g in groups}
        vals = {g: v for g, v in vals.items() if v is not None}
        if len(vals) >= 2:
            hi, lo = max(vals, key=lambda g: vals[g]), min(vals, key=lambda g: vals[g])
            where = f"model {model}: {hi} {scale * vals[hi]:.4g} vs {lo} {scale * vals[lo]:.4g}"
            gaps.append((scale * (vals[hi] - vals[lo]), where))
    if not gaps:
        raise MissingInput("no model has values for two groups")
    return max(gaps, key=lambda x: x[0])


@metric(
    "max_step_disparity",
    ("eval",),
    "largest range of per-group changes of any alignment step (points for accuracies)",
)
def max_step_disparity(s: dict[str, Any]) -> float:
    ranges = [
        (r, d)
        for d in s.get("disparities") or []
        if isinstance(d, dict) and (r := num(d.get("range"))) is not None
    ]
    if not ranges:
        raise MissingInput("summary has no 'disparities' with a range")
    r, d = max(ranges, key=lambda x: x[0])
    where = (
        f"chain {d.get('chain')} {d.get('from_stage')}->{d.get('to_stage')}: "
        f"groups {d.get('max_group')} vs {d.get('min_group')}"
    )
    return eval_scale(s) * r, where


@metric(
    "max_significant_loss",
    ("eval",),
    "largest significant drop (Holm p < 0.05) of any group at any step, in points; 0 if none",
)
def max_significant_loss(s: dict[str, Any]) -> float:
    steps = s.get("steps")
    if not isinstance(steps, list):
        raise MissingInput("summary has no 'steps'")
    losses = [
        (
            -eval_scale(s) * d,
            f"chain {st.get('chain')} {st.get('from_stage')}->{st.get('to_stage')}: "
            f"group {st.get('group')} (model {st.get('to')})",
        )
        for st in steps
        if (d := num(st.get("delta"))) is not None
        and d < 0
        and (p := num(st.get("p_holm", st.get("p")))) is not None
        and p < 0.05
    ]
    return max(losses, key=lambda x: x[0], default=(0.0, ""))


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str
    threshold: float
    kind: str | None = None
    description: str = ""
    line: int | None = None

    def text(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    path: str | None = None


@dataclass
class RuleResult:
    rule: Rule
    status: str  # pass | fail | error
    run: str | None = None
    kind: str | None = None
    observed: float | None = None
    message: str = ""
    at: str = ""  # the model, group or language that gave the observed value


@dataclass
class CheckResult:
    policy: Policy
    results: list[RuleResult]

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == "fail"]

    @property
    def errors(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == "error"]

    @property
    def exit_code(self) -> int:
        """0 every rule passed, 1 a rule failed, 2 a rule could not be evaluated."""
        if self.errors:
            return 2
        return 1 if self.failed else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy.name,
            "passed": sum(r.status == "pass" for r in self.results),
            "failed": len(self.failed),
            "errors": len(self.errors),
            "exit_code": self.exit_code,
            "results": [
                {
                    "rule": r.rule.text(),
                    "description": r.rule.description,
                    "metric": r.rule.metric,
                    "op": r.rule.op,
                    "threshold": r.rule.threshold,
                    "status": r.status,
                    "run": r.run,
                    "kind": r.kind,
                    "observed": r.observed,
                    "message": r.message,
                    "at": r.at,
                }
                for r in self.results
            ],
        }


def _rule_lines(text: str) -> list[int | None]:
    """1-based line of each item of the top-level 'rules' list (for error messages)."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for k, v in node.value:
        if getattr(k, "value", None) == "rules" and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def parse_rule(item: Any, where: str | Path | None = None, line: int | None = None) -> Rule:
    if isinstance(item, str):
        m = _SHORT.match(item)
        if not m:
            raise InputError(
                f"cannot parse rule {item!r}; expected 'METRIC OP THRESHOLD' with OP one of "
                + ", ".join(OPS),
                where,
                line,
            )
        name, op, thr = m.groups()
        item = {"metric": name, "op": op, "threshold": thr}
    if not isinstance(item, dict):
        raise InputError("a rule must be a string or a mapping", where, line)
    unknown = set(item) - {"metric", "op", "threshold", "kind", "description", "name"}
    if unknown:
        raise InputError(f"unknown rule key(s): {', '.join(sorted(unknown))}", where, line)
    name = item.get("metric")
    if not isinstance(name, str) or not name:
        raise InputError("rule has no metric", where, line, "metric")
    op = str(item.get("op", ""))
    if op not in OPS:
        raise InputError(f"unknown op {op!r}; use one of {', '.join(OPS)}", where, line, "op")
    thr = num(item.get("threshold"))
    if thr is None:
        raise InputError(
            f"threshold must be a number, got {item.get('threshold')!r}", where, line, "threshold"
        )
    kind = item.get("kind")
    if kind is not None and kind not in KINDS:
        raise InputError(
            f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", where, line, "kind"
        )
    return Rule(
        metric=name,
        op=op,
        threshold=thr,
        kind=kind,
        description=str(item.get("description") or item.get("name") or ""),
        line=line,
    )


def load_policy(path: str | Path) -> Policy:
    import yaml

    from auditkit.tabular import read_text

    p = Path(path)
    text = read_text(p)  # unreadable or not UTF-8: one line naming the file
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(e, 'problem', e)}", p, mark.line + 1 if mark else None
        ) from e
    except RecursionError:
        raise InputError("not valid YAML: nested too deeply", p) from None
    if isinstance(raw, list):
        raw = {"rules": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list) or not raw["rules"]:
        raise InputError("a policy needs a non-empty 'rules' list", p, field="rules")
    try:
        lines = _rule_lines(text)
    except RecursionError:
        lines = []
    rules = tuple(
        parse_rule(item, p, lines[i] if i < len(lines) else None)
        for i, item in enumerate(raw["rules"])
    )
    return Policy(name=str(raw.get("name") or p.stem), rules=rules, path=str(p))


def evaluate_rule(rule: Rule, runs: list[Run]) -> list[RuleResult]:
    """One result per run folder the rule applies to (or one error when none applies)."""
    named = rule.metric in METRICS
    m = METRICS.get(rule.metric) if named else None
    kinds = (rule.kind,) if rule.kind else (m.kinds if m else KINDS)
    # a probe-rm comparison only points at its per-model run folders, which are loaded too
    candidates = [r for r in runs if r.kind in kinds and not r.is_comparison]
    if m is not None:
        candidates = [r for r in candidates if m.applies(r.summary)]
    results = []
    for run in candidates:
        at = ""
        try:
            if m is not None:
                value = m.compute(run.summary)
                at = m.at(run.summary)
            else:
                try:
                    raw = get_path(run.summary, rule.metric)
                except KeyError:
                    if rule.kind is None:
                        continue  # a path rule without a kind applies where the key exists
                    raise MissingInput(f"summary.json has no {rule.metric!r}") from None
                value = num(raw)
                if value is None:
                    raise MissingInput(f"{rule.metric!r} is not a number ({raw!r})")
        except MissingInput as e:
            results.append(
                RuleResult(
                    rule, "error", run.label, run.kind, None, f"{run.path / 'summary.json'}: {e}"
                )
            )
            continue
        ok = OPS[rule.op](value, rule.threshold)
        results.append(
            RuleResult(rule, "pass" if ok else "fail", run.label, run.kind, value, at=at)
        )
    if not results:
        want = ", ".join(kinds)
        extra = (
            " of a dialect evaluation" if m is not None and m.name == "dialect_disparity" else ""
        )
        msg = (
            f"no {want} run folder{extra} among the inputs"
            if (named or rule.kind)
            else f"no run folder's summary.json has {rule.metric!r} (and it is not a named "
            f"metric: {', '.join(METRICS.names())})"
        )
        results.append(RuleResult(rule, "error", None, None, None, msg))
    return results


def check_policy(policy: Policy | str | Path, runs: list[Run]) -> CheckResult:
    """Evaluate every rule of ``policy`` over ``runs``."""
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    results = [res for rule in pol.rules for res in evaluate_rule(rule, runs)]
    return CheckResult(pol, results)
