"""Alignment chains (base -> SFT -> preference-tuned) and the model names that refer to them.

A chain is given on the command line as ``base=ID,sft=ID,pt=ID`` (any stage may be left out,
stage names are free but keep their order), as a YAML file with a ``chains:`` mapping, or by
the name of a built-in chain of the study (``llama-chat``, ``llama-tulu``, ``mistral-zephyr``,
``mistral-starling``, ``qwen-chat``, ``yi-chat``; ``study`` = all of them). A stage in YAML is a
model id or ``{model: ID, data: [dataset ids]}``: the data the model was trained on in the step
into that stage.

Without ``--chain``, the built-in chains that match the given outputs are used, and further
chains are formed from the outputs themselves: a base model and its chat/instruct variant by the
family naming convention (``X`` / ``X-Chat`` / ``X-Instruct`` / ``X-it``, the suffix token
possibly before a version or format token: ``Llama-2-7b-hf`` / ``Llama-2-7b-chat-hf``,
``Mistral-7B-v0.1`` / ``Mistral-7B-Instruct-v0.1``).

Model names are matched through the alias table in ``data/chains.yaml``: the study's files
name the same model differently (hub id, hub basename, run folder with ``_8bit``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from auditkit.errors import AuditkitError, InputError

CHAINS_FILE = Path(__file__).parent / "data" / "chains.yaml"
STUDY_CHAIN_SET = "study"


VARIANT_TOKENS = ("chat", "instruct", "it")


@dataclass(frozen=True)
class Chain:
    name: str
    stages: tuple[tuple[str, str], ...]  # (stage name, model name) in order
    # training datasets of the step into each stage (None: not declared); base has none
    data: tuple[tuple[str, ...] | None, ...] = ()
    source: str = "given"  # study (built-in) | auto (formed from the outputs) | given

    def stage_data(self, stage: str) -> list[str] | None:
        names = [s for s, _ in self.stages]
        i = names.index(stage)
        return list(self.data[i]) if i < len(self.data) and self.data[i] is not None else None

    def step_data(self, from_stage: str, to_stage: str) -> list[str]:
        """Training datasets of the steps between two stages, in order ([] when unknown)."""
        names = [s for s, _ in self.stages]
        out: list[str] = []
        for stage in names[names.index(from_stage) + 1 : names.index(to_stage) + 1]:
            for d in self.stage_data(stage) or []:
                if d not in out:
                    out.append(d)
        return out

    def steps(self) -> list[tuple[str, str, str, str]]:
        """(from_stage, from_model, to_stage, to_model): consecutive stages, then first -> last."""
        out = [(a[0], a[1], b[0], b[1]) for a, b in zip(self.stages, self.stages[1:])]
        if len(self.stages) > 2:
            first, last = self.stages[0], self.stages[-1]
            out.append((first[0], first[1], last[0], last[1]))
        return out

    def as_dict(self) -> dict[str, Any]:
        stages = []
        for s, m in self.stages:
            rec: dict[str, Any] = {"stage": s, "model": m}
            if s != self.stages[0][0]:
                rec["data"] = self.stage_data(s) or []
            stages.append(rec)
        return {"name": self.name, "source": self.source, "stages": stages}


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Any]:
    with open(CHAINS_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def alias_table() -> dict[str, str]:
    """Lower-cased alias (hub id, basename, study run name) -> canonical hub id."""
    table: dict[str, str] = {}
    for hub_id, aliases in _builtin()["models"].items():
        for name in [hub_id, hub_id.split("/")[-1], *aliases]:
            table[name.lower()] = hub_id
    return table


def canonical_model(name: str) -> str:
    """The hub id for a name the study's files use, else the name unchanged."""
    return alias_table().get(str(name).strip().lower(), str(name).strip())


def _chain_from_mapping(name: str, stages: dict[str, Any], source: str, path: Any) -> Chain:
    out, data = [], []
    for stage, value in stages.items():
        if isinstance(value, dict):
            model, d = value.get("model"), value.get("data")
            if not model:
                raise InputError("a stage mapping needs a 'model'", path, field=f"{name}.{stage}")
            if d is not None and (
                not isinstance(d, list) or not all(isinstance(x, str) and x for x in d)
            ):
                raise InputError(
                    "'data' must be a list of dataset ids", path, field=f"{name}.{stage}.data"
                )
            out.append((str(stage), str(model)))
            data.append(tuple(d) if d is not None else None)
        else:
            out.append((str(stage), str(value)))
            data.append(None)
    return Chain(str(name), tuple(out), tuple(data), source)


def builtin_chains() -> dict[str, Chain]:
    return {
        name: _chain_from_mapping(name, stages, "study", CHAINS_FILE)
        for name, stages in _builtin()["chains"].items()
    }


def parse_chain_spec(spec: str, name: str | None = None) -> Chain:
    """'base=ID,sft=ID,pt=ID' -> Chain (stages keep the order written)."""
    stages = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise AuditkitError(
                f"--chain {spec!r}: expected stage=model pairs such as "
                "'base=mistralai/Mistral-7B-v0.1,sft=HuggingFaceH4/mistral-7b-sft-beta'"
            )
        stage, model = (x.strip() for x in part.split("=", 1))
        if not stage or not model:
            raise AuditkitError(f"--chain {spec!r}: empty stage or model in {part!r}")
        stages.append((stage, model))
    if len(stages) < 2:
        raise AuditkitError(f"--chain {spec!r}: a chain needs at least two stages")
    label = name or "→".join(m.split("/")[-1] for _, m in stages)
    return Chain(label, tuple(stages))


def load_chain_file(path: str | Path) -> list[Chain]:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML: {e}", p) from e
    chains = (data or {}).get("chains") if isinstance(data, dict) else None
    if not isinstance(chains, dict) or not chains:
        raise InputError("expected a top-level 'chains:' mapping of name -> {stage: model}", p)
    out = []
    for name, stages in chains.items():
        if not isinstance(stages, dict) or len(stages) < 2:
            raise InputError("a chain maps at least two stages to models", p, field=str(name))
        out.append(_chain_from_mapping(str(name), stages, "given", p))
    return out


def resolve_chains(specs: list[str] | tuple[str, ...]) -> list[Chain]:
    """Chains from --chain values: 'stage=model,…', a YAML path, a built-in name or 'study'."""
    builtin = builtin_chains()
    out: list[Chain] = []
    for spec in specs:
        if "=" in spec:
            out.append(parse_chain_spec(spec))
        elif spec.endswith((".yaml", ".yml")) or Path(spec).is_file():
            if not Path(spec).is_file():
                raise AuditkitError(f"chain file not found: {spec}")
            out.extend(load_chain_file(spec))
        elif spec == STUDY_CHAIN_SET:
            out.extend(builtin.values())
        elif spec in builtin:
            out.append(builtin[spec])
        else:
            raise AuditkitError(
                f"unknown chain {spec!r}: give 'base=ID,sft=ID,pt=ID', a YAML file, "
                f"'{STUDY_CHAIN_SET}' or one of: {', '.join(builtin)}"
            )
    return out


def match_model(name: str, available: list[str]) -> str | None:
    """The model in ``available`` that ``name`` refers to (exact, alias or path basename)."""
    if name in available:
        return name
    want = canonical_model(name)
    for a in available:
        if canonical_model(a) == want:
            return a
    base = Path(name.rstrip("/")).name.lower()
    hits = [a for a in available if Path(a.rstrip("/")).name.lower() == base]
    return hits[0] if len(hits) == 1 else None


def _name_tokens(name: str) -> tuple[str, list[str]]:
    """(organisation or '', lower-cased name tokens split at '-' and '_')."""
    org, _, base = str(name).rstrip("/").rpartition("/")
    return org.lower(), [t for t in re.split(r"[-_]", base.lower()) if t]


def variant_token(base: str, variant: str) -> str | None:
    """'chat', 'instruct' or 'it' when ``variant`` is ``base`` with that one token added
    (same organisation when both name one), else None."""
    org_b, tb = _name_tokens(base)
    org_v, tv = _name_tokens(variant)
    if org_b and org_v and org_b != org_v:
        return None
    if len(tv) != len(tb) + 1:
        return None
    for i, tok in enumerate(tv):
        if tok in VARIANT_TOKENS and tv[:i] + tv[i + 1 :] == tb:
            return tok
    return None


def auto_chains(models: list[str], covered: set[tuple[str, str]] | None = None) -> list[Chain]:
    """base -> chat/instruct chains among ``models`` by the family naming convention, skipping
    (base, variant) pairs already ``covered`` by another chain's step."""
    covered = covered or set()
    out = []
    for b in sorted(models):
        for v in sorted(models):
            if b == v or (b, v) in covered:
                continue
            tok = variant_token(b, v)
            if tok is None:
                continue
            stage = "chat" if tok == "chat" else "instruct"
            name = f"{b.split('/')[-1]}→{v.split('/')[-1]}"
            out.append(Chain(name, (("base", b), (stage, v)), (None, None), "auto"))
    return out


def models_in_no_chain(models: list[str], chains: list[Chain]) -> list[str]:
    """The given models that no chain refers to."""
    used = {m for c in chains for _, name in c.stages if (m := match_model(name, models))}
    return sorted(m for m in models if m not in used)
