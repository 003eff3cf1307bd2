"""One Hub/model/dataset error policy (auditkit.hub): clean one-line errors, fast offline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditkit import hub
from auditkit.errors import AuditkitError

pytest.importorskip("transformers")


def _cli(args, tmp_path, **env_extra):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), **env_extra)
    env.pop("HF_HUB_OFFLINE", None) if "HF_HUB_OFFLINE" not in env_extra else None
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    return proc, time.monotonic() - t0


MD3_ITEMS = str(Path(__file__).resolve().parent.parent / "fixtures/evals/md3_game_items.csv")

UNREACHABLE = {
    # A closed local port: the Hub "is down" whatever network this machine has.
    "HF_ENDPOINT": "http://127.0.0.1:9",
    "AUDITKIT_HUB_TIMEOUT": "2",
}

CASES = [
    (["probe-rm", "someone/some-reward-model", "--out", "o"], "someone/some-reward-model"),
    (
        [
            "eval",
            "run",
            "md3-game",
            "--model",
            "someone/some-lm",
            "--data",
            MD3_ITEMS,
            "--out",
            "o",
        ],
        "someone/some-lm",
    ),
    (["lang", "tulu-sft", "--out", "o", "-q"], "allenai/tulu-v2-sft-mixture"),
]


@pytest.mark.slow
@pytest.mark.parametrize("env", [UNREACHABLE, {"HF_HUB_OFFLINE": "1"}], ids=["down", "offline"])
@pytest.mark.parametrize("args,hub_id", CASES, ids=["probe-rm", "eval-run", "lang"])
def test_hub_failure_is_one_clean_line_in_under_10s(tmp_path, args, hub_id, env):
    proc, seconds = _cli(args, tmp_path, **env)
    assert proc.returncode == 2, proc.stderr
    assert seconds < 10, f"took {seconds:.1f}s"
    err = proc.stderr.strip()
    assert "Traceback" not in err and "Retrying" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: could not load")
    assert repr(hub_id) in err and "(revision main)" in err and "Hint:" in err
    if "HF_HUB_OFFLINE" in env:
        assert "HF_HUB_OFFLINE is set" in err
    else:
        assert "cannot reach http://127.0.0.1:9" in err


@pytest.mark.slow
def test_a_revision_is_named_in_the_error(tmp_path):
    proc, _ = _cli(
        ["probe-rm", "someone/rm", "--model-args", "revision=v1.2", "--out", "o"],
        tmp_path,
        HF_HUB_OFFLINE="1",
    )
    assert proc.returncode == 2 and "(revision v1.2)" in proc.stderr, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["probe-rm", "./my-rm", "--scorer", "seq-cls"],
        ["probe-rm", "./my-rm"],
        ["eval", "run", "md3-game", "--model", "./my-sft-checkpoint", "--data", MD3_ITEMS],
    ],
)
def test_a_missing_local_path_says_no_such_folder(tmp_path, args):
    proc, seconds = _cli(args, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() in (
        "error: model './my-rm': no such folder",
        "error: model './my-sft-checkpoint': no such folder",
    ), proc.stderr
    assert seconds < 10


def test_a_cached_model_still_loads_when_the_hub_is_down(tmp_path, monkeypatch):
    """Offline mode means 'cache only', not 'fail': a model in the HF cache loads."""
    from tests.tiny_models import build_tokenizer

    folder = tmp_path / "tok"
    build_tokenizer(folder)
    monkeypatch.setattr(hub, "_REACH", {})
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    tok = hub.from_pretrained("AutoTokenizer", str(folder))
    assert tok("Kenya")["input_ids"]


def test_looks_like_path():
    assert hub.looks_like_path("./x") and hub.looks_like_path("/abs/x")
    assert hub.looks_like_path("a/b/c") and hub.looks_like_path("~/m")
    assert not hub.looks_like_path("gpt2") and not hub.looks_like_path("owner/name")


def test_weights_of_a_local_model_are_hashed(tmp_path):
    from auditkit.io import sha256_file

    (tmp_path / "m").mkdir()
    w = tmp_path / "m" / "model.safetensors"
    w.write_bytes(b"abc")
    (tmp_path / "m" / "config.json").write_text("{}")
    got = hub.weights_sha256(tmp_path / "m")
    assert got == {"model.safetensors": sha256_file(w)}
    w.write_bytes(b"abd")
    assert hub.weights_sha256(tmp_path / "m") != got


def test_hub_error_is_an_auditkit_error():
    assert issubclass(hub.HubError, AuditkitError)


def test_model_args_in_lm_eval_spelling():
    from auditkit.modeling import LoadOptions, parse_model_args

    got = parse_model_args(
        "pretrained=org/m,revision=v2,dtype=bfloat16,trust_remote_code=True,"
        "device_map=auto,peft=./adapter,attn_implementation=sdpa,load_in_8bit=false"
    )
    assert got == {
        "pretrained": "org/m",
        "revision": "v2",
        "dtype": "bfloat16",
        "trust_remote_code": True,
        "device_map": "auto",
        "peft": "./adapter",
        "attn_implementation": "sdpa",
        "load_in_8bit": False,
    }
    opts = LoadOptions().with_model_args("revision=v2,torch_dtype=float16")
    assert (opts.revision, opts.dtype, opts.trust_remote_code) == ("v2", "float16", False)
    for bad, msg in (
        ("revision", "not key=value"),
        ("colour=red", "unknown key 'colour'"),
        ("trust_remote_code=maybe", "must be True or False"),
        ("dtype=int3", "unknown dtype"),
    ):
        with pytest.raises(AuditkitError, match=msg):
            parse_model_args(bad)


@pytest.mark.slow
def test_a_peft_adapter_without_peft_installed_is_a_clean_error(tiny_models, tmp_path):
    pytest.importorskip("torch")
    try:
        import peft  # noqa: F401

        pytest.skip("peft is installed")
    except ImportError:
        pass
    proc, _ = _cli(
        ["probe-rm", str(tiny_models.seq_cls), "--scorer", "seq-cls", "--probes", "where-from",
         "--model-args", f"peft={tmp_path}", "--out", "o", "-q"],
        tmp_path,
    )  # fmt: skip
    assert (
        proc.returncode == 2
        and "peft is needed" in proc.stderr
        and "pip install peft" in (proc.stderr)
    )
