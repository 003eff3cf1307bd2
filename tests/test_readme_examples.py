"""Every example command and Python block of README.md and the side READMEs, run as a new
user would from a checkout (issue #13 item 7).

The examples run in a scratch folder that holds what they name: the repository's fixtures,
the study's released files (from ../shared/data, under the names the study released them
with), an lm-evaluation-harness output folder and two small user files. The Hub is switched
off (HF_HUB_OFFLINE=1, an empty HF_HOME): the examples that need it or a GPU must fail with
one clean line within 10 s; all others must succeed. Install, test-suite and benchmark lines
are not examples of auditkit and are listed in SKIPPED with why.

AUDITKIT_README_LOG=path writes every example's outcome and time as JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO_ROOT, require_shared

# end-to-end: subprocesses, whole commands (run with -m slow)
pytestmark = pytest.mark.slow

READMES = [
    REPO_ROOT / "README.md",
    REPO_ROOT / "auditkit" / "probes" / "README.md",
    REPO_ROOT / "auditkit" / "evals" / "README.md",
    REPO_ROOT / "auditkit" / "countries" / "README.md",
]
SKIPPED = {
    "pip install": "installs packages (the README's own first lines; CI runs them)",
    "python -m pytest": "the test suite itself",
    "AUDITKIT_REQUIRE_SHARED=1 python -m pytest": "the test suite itself",
    "ruff ": "the linter",
    "python benchmarks/": "benchmarks take minutes each; run by hand (benchmarks/)",
}
# Examples that need the Hugging Face Hub or a GPU: checked to fail cleanly and fast.
NEEDS_HUB_OR_GPU = (
    "auditkit lang tulu-sft",
    "auditkit lang hh-rlhf",
    "auditkit countries hh-rlhf",
    "auditkit probe-rm starling",
    "auditkit probe-rm ./my-rm",
    "auditkit probe-rm ./rm-a",  # the user's own models (folders that are not here)
    "auditkit probe-rm zephyr-7b-beta",
    "auditkit probe-rm my/reward-model",
    "auditkit probe-rm tulu-2-dpo-7b",
    "auditkit probe-rm llama-2-7b",
    "auditkit eval run",
)
# `check` exits 1 when a rule fails: an outcome, not an error.
EXIT_OK = {"auditkit check": (0, 1)}


def examples(readme: Path) -> list[tuple[str, str]]:
    """(kind, text) of every ```bash command (continuations joined, comments dropped) and
    every ```python block, in order."""
    text = readme.read_text(encoding="utf-8")
    out: list[tuple[str, str]] = []
    for lang, body in re.findall(r"```(bash|python)\n(.*?)```", text, re.S):
        if lang == "python":
            out.append(("python", body))
            continue
        joined = re.sub(r"\\\n\s*", " ", body)
        for line in joined.splitlines():
            cmd = re.sub(r"\s+#\s.*$", "", line).strip()
            if cmd:
                out.append(("bash", cmd))
    return out


def _skip_reason(cmd: str) -> str | None:
    for prefix, why in SKIPPED.items():
        if cmd.startswith(prefix):
            return why
    if "&&" in cmd and "pip install" in cmd:
        return SKIPPED["pip install"]
    if "python -m pytest" in cmd:  # e.g. AUDITKIT_FUZZ_EXAMPLES=200 python -m pytest tests/fuzz
        return SKIPPED["python -m pytest"]
    return None


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    shared = require_shared("global_representation")
    ws = tmp_path_factory.mktemp("readme")
    (ws / "fixtures").symlink_to(REPO_ROOT / "fixtures")
    links = {
        "md3_game_items.csv": shared / "md3_game" / "md3_game_items.csv",
        "md3_game_predictions.csv": shared / "md3_game" / "md3_game_predictions.csv",
        "tydiqa_outputs": shared / "tydiqa_outputs",
        "tydiqa_goldp_dev": shared / "tydiqa_goldp_dev",
        "salt_model_outputs": shared / "globalopinionsqa" / "salt_model_outputs",
        "askreddit_scores": shared / "askreddit_scores",
    }
    for name, target in links.items():
        (ws / name).symlink_to(target)
    from tests.evals.test_interop import _docs, write_lm_eval_run

    docs = _docs(per_language=120)
    write_lm_eval_run(ws / "lm_eval_out", "meta-llama/Llama-2-7b-hf", docs, lambda d: True)
    write_lm_eval_run(
        ws / "lm_eval_out", "allenai/tulu-2-7b", docs, lambda d: d["question_number"] % 2
    )
    with open(ws / "my_chats.jsonl", "w", encoding="utf-8") as f:
        for t in ("Where is the station?", "Wo ist der Bahnhof?", "Kituo kiko wapi?"):
            f.write(json.dumps({"conversation": [{"role": "user", "content": t}]}) + "\n")
    # a user's preference pairs and SFT chats (the countries examples), and labelled sentences
    (ws / "data").mkdir()
    pairs = [
        ("Where should I travel?", "Italy, for the food in Rome.", "Nigeria, maybe."),
        ("Wohin soll ich reisen?", "Nach Frankreich.", "Nach Deutschland."),
        ("Best tea?", "Tea from India or Kenya.", "I don't know."),
    ]
    with open(ws / "data" / "prefs.jsonl", "w", encoding="utf-8") as f:
        for prompt, chosen, rejected in pairs:
            conv = [{"role": "user", "content": prompt}]
            f.write(
                json.dumps(
                    {
                        "prompt": prompt,
                        "chosen": conv + [{"role": "assistant", "content": chosen}],
                        "rejected": conv + [{"role": "assistant", "content": rejected}],
                    }
                )
                + "\n"
            )
    with open(ws / "data" / "sft.jsonl", "w", encoding="utf-8") as f:
        for prompt, chosen, _ in pairs:
            msgs = [{"role": "user", "content": prompt}, {"role": "assistant", "content": chosen}]
            f.write(json.dumps({"messages": msgs}) + "\n")
    with open(ws / "my_labelled.jsonl", "w", encoding="utf-8") as f:
        f.write(
            json.dumps({"lang": "en", "text": "Niger is not Nigeria.", "countries": ["NER", "NGA"]})
            + "\n"
        )
    pd.DataFrame(
        [
            {"model": m, "item_id": str(i), "group": g, "correct": int((i + k) % 3 == 0)}
            for k, m in enumerate(("base", "sft"))
            for g in ("en_us", "en_in", "en_ng")
            for i in range(20)
        ]
    ).to_csv(ws / "my_items.csv", index=False)
    bin_dir = ws / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "auditkit"
    # `auditkit` as this checkout's CLI, whatever is installed
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m auditkit.cli "$@"\n')
    wrapper.chmod(0o755)
    env = dict(os.environ)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO_ROOT),
        HF_HUB_OFFLINE="1",
        HF_HOME=str(ws / "hf"),
        AUDITKIT_TORCH_THREADS=env.get("AUDITKIT_TORCH_THREADS", "2"),
    )
    return ws, env


def _run(kind: str, text: str, ws: Path, env: dict) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    if kind == "python":
        args = [sys.executable, "-c", text]
    else:
        args = ["bash", "-c", text]
    proc = subprocess.run(args, cwd=ws, env=env, capture_output=True, text=True, timeout=900)
    return proc, time.monotonic() - t0


def test_every_readme_example(workspace):
    ws, env = workspace
    log = []
    failures = []
    for readme in READMES:
        for kind, text in examples(readme):
            where = readme.relative_to(REPO_ROOT).as_posix()
            reason = _skip_reason(text) if kind == "bash" else None
            if reason:
                log.append({"readme": where, "example": text, "outcome": f"not run: {reason}"})
                continue
            proc, seconds = _run(kind, text, ws, env)
            err = proc.stderr.strip()
            entry = {"readme": where, "example": text, "seconds": round(seconds, 1)}
            if "Traceback" in proc.stderr:
                failures.append(f"{text}: traceback\n{err[-2000:]}")
            if kind == "bash" and text.startswith(NEEDS_HUB_OR_GPU):
                lines = [ln for ln in err.splitlines() if ln.strip()]
                ok = (
                    proc.returncode == 2
                    and len(lines) == 1
                    and lines[0].startswith("error: ")
                    and seconds < 10
                )
                entry["outcome"] = f"clean failure (needs the Hub or a GPU): {err}"
                if not ok:
                    failures.append(f"{text}: rc {proc.returncode}, {seconds:.1f}s: {err[-500:]}")
            else:
                allowed = next((v for k, v in EXIT_OK.items() if text.startswith(k)), (0,))
                entry["outcome"] = f"ok (exit {proc.returncode})"
                if proc.returncode not in allowed:
                    entry["outcome"] = f"FAILED (exit {proc.returncode}): {err[-300:]}"
                    failures.append(f"{text}: rc {proc.returncode}: {err[-1500:]}")
            log.append(entry)
    if os.environ.get("AUDITKIT_README_LOG"):
        Path(os.environ["AUDITKIT_README_LOG"]).write_text(json.dumps(log, indent=2))
    assert not failures, "\n\n".join(failures)
    ran = [e for e in log if "seconds" in e]
    assert len(ran) >= 30  # the READMEs' examples, not a parse that found nothing
