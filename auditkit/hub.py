"""The one home of every Hugging Face Hub access: models, tokenizers, configs, snapshots, datasets.

One error policy for all of them:

* A local path that does not exist says "no such folder" instead of being taken for a Hub id.
* Before the first Hub request of a process the Hub is probed once with a short timeout
  (``AUDITKIT_HUB_TIMEOUT`` seconds, default 3). When it is unreachable, or ``HF_HUB_OFFLINE``
  is set, every load runs in offline mode: a copy in the local cache is used, anything else
  fails at once instead of after the libraries' retries (tens of seconds).
* Every failure is one line: what was loaded (id and revision), why, and what to do.

Sides (probes, evals, corpora) import from here and never call ``from_pretrained``,
``snapshot_download`` or ``load_dataset`` themselves.
"""

from __future__ import annotations

import contextlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auditkit.errors import AuditkitError, MissingDependency

DEFAULT_TIMEOUT_S = 3.0
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ckpt")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

MODEL_HINT = (
    "pass a local folder (saved with save_pretrained or `hf download`), or check the network "
    "and HF_ENDPOINT; with HF_HUB_OFFLINE=1 only the local cache is used"
)
DATASET_HINT = "pass a local copy instead, or check the network and HF_ENDPOINT"


class HubError(AuditkitError):
    """A model, tokenizer or dataset could not be loaded; the message is one line."""


def _endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _timeout() -> float:
    try:
        return float(os.environ.get("AUDITKIT_HUB_TIMEOUT", DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


def offline_requested() -> bool:
    return any(
        os.environ.get(v, "").strip().upper() in ("1", "ON", "YES", "TRUE")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    )


_REACH: dict[str, str | None] = {}


def hub_unreachable_reason() -> str | None:
    """None when the Hub answers; else why not. Probed once per process and endpoint."""
    if offline_requested():
        return "HF_HUB_OFFLINE is set"
    endpoint = _endpoint()
    if endpoint not in _REACH:
        try:
            req = urllib.request.Request(endpoint + "/api/health", method="HEAD")
            urllib.request.urlopen(req, timeout=_timeout()).close()
            _REACH[endpoint] = None
        except urllib.error.HTTPError:
            _REACH[endpoint] = None  # it answered: the Hub is there
        except Exception as e:  # DNS, refused, timeout, proxy: all mean "not reachable"
            reason = getattr(e, "reason", e)
            _REACH[endpoint] = f"cannot reach {endpoint} ({_one_line(reason)})"
    return _REACH[endpoint]


@contextlib.contextmanager
def _offline_mode() -> Iterator[None]:
    """Make huggingface_hub, transformers and datasets use only the local cache (no retries)."""
    patched: list[tuple[Any, str, Any]] = []
    try:
        import huggingface_hub.constants as hc

        patched.append((hc, "HF_HUB_OFFLINE", hc.HF_HUB_OFFLINE))
        hc.HF_HUB_OFFLINE = True
    except ImportError:  # pragma: no cover
        pass
    try:
        import datasets.config as dc

        for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
            if hasattr(dc, name):
                patched.append((dc, name, getattr(dc, name)))
                setattr(dc, name, True)
    except ImportError:  # pragma: no cover
        pass
    try:
        yield
    finally:
        for mod, name, value in reversed(patched):
            setattr(mod, name, value)


def _one_line(e: Any) -> str:
    text = str(e).strip() or type(e).__name__
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), text)
    return first[:300]


def looks_like_path(name: str) -> bool:
    """A name meant as a local path: starts with ./ ../ / ~ or has more than one '/'.

    Hub ids are ``name`` or ``owner/name``; anything else can only be a path.
    """
    s = str(name)
    if s.startswith(("./", "../", "/", "~", ".\\")) or s in (".", ".."):
        return True
    return s.count("/") > 1 or "\\" in s


def is_local(name: str | Path) -> bool:
    return Path(str(name)).expanduser().exists()


def require_existing(name: str, what: str = "model") -> None:
    """A missing local path says so, instead of being sent to the Hub as an id."""
    if looks_like_path(name) and not is_local(name):
        raise HubError(f"{what} {name!r}: no such folder")


def _describe(what: str, name: str, revision: str | None, detail: str = "") -> str:
    rev = revision or "main"
    return f"could not load {what} {name!r}{detail} (revision {rev})"


@contextlib.contextmanager
def hub_errors(
    what: str, name: str, revision: str | None = None, hint: str = MODEL_HINT, detail: str = ""
):
    """Run a load under the one policy: local paths checked, offline fast path, one-line error."""
    name = str(name)
    if is_local(name):
        try:
            yield
        except AuditkitError:
            raise
        except Exception as e:
            raise HubError(f"could not load {what} from {name}: {_one_line(e)}") from None
        return
    require_existing(name, what)
    reason = hub_unreachable_reason()
    if reason is None:
        try:
            yield
        except AuditkitError:
            raise
        except Exception as e:
            raise HubError(
                f"{_describe(what, name, revision, detail)} from the Hugging Face Hub: "
                f"{type(e).__name__}: {_one_line(e)}. Hint: {hint}"
            ) from None
        return
    with _offline_mode():
        try:
            yield
        except AuditkitError:
            raise
        except Exception:
            raise HubError(
                f"{_describe(what, name, revision, detail)}: {reason} and no copy is in the local "
                f"cache. Hint: {hint}"
            ) from None


# --- models ----------------------------------------------------------------------------------


def preflight_model(name: str | None, revision: str | None = None, what: str = "model") -> None:
    """Fail in seconds, before torch and transformers are imported, when a model can be
    loaded neither from a local folder, nor from the Hub, nor from the local cache."""
    if not name or is_local(name):
        return
    require_existing(name, what)
    reason = hub_unreachable_reason()
    if reason is None:
        return
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(str(name), "config.json", revision=revision)
    except Exception:  # an invalid repo id and the like: from_pretrained will say it
        return
    if not isinstance(cached, str):
        raise HubError(
            f"{_describe(what, str(name), revision)}: {reason} and no copy is in the local "
            f"cache. Hint: {MODEL_HINT}"
        )


def _transformers() -> Any:
    from auditkit.modeling import require_transformers

    t = require_transformers()
    _silence_loaded()
    return t


def from_pretrained(
    auto_class: str, name: str, revision: str | None = None, what: str | None = None, **kwargs
) -> Any:
    """``transformers.<auto_class>.from_pretrained(name, revision=..., **kwargs)`` under the
    policy; ``auto_class`` is e.g. AutoTokenizer, AutoConfig, AutoModelForCausalLM."""
    cls = getattr(_transformers(), auto_class)
    label = what or ("tokenizer" if "Tokenizer" in auto_class else "model")
    if auto_class == "AutoConfig":
        label = what or "model config"
    with hub_errors(label, name, revision):
        return cls.from_pretrained(name, revision=revision, **kwargs)


def load_peft(model: Any, adapter: str, revision: str | None = None) -> Any:
    """Wrap a loaded model with a PEFT adapter (local folder or Hub id)."""
    try:
        from peft import PeftModel
    except ImportError as e:
        raise MissingDependency("peft", "peft", "loading a PEFT adapter (peft=...)") from e
    with hub_errors("PEFT adapter", adapter, revision):
        return PeftModel.from_pretrained(model, adapter, revision=revision)


def snapshot(name: str, revision: str | None = None, allow_patterns: list[str] | None = None):
    """A local folder holding (the allowed files of) a Hub repo: ``snapshot_download``."""
    from huggingface_hub import snapshot_download

    with hub_errors("model", name, revision):
        return Path(snapshot_download(name, revision=revision, allow_patterns=allow_patterns))


# --- datasets --------------------------------------------------------------------------------


def load_dataset(
    hub_id: str,
    config: str | None = None,
    split: str | None = None,
    revision: str | None = None,
    streaming: bool = False,
    hint: str = DATASET_HINT,
) -> Any:
    """``datasets.load_dataset`` under the policy."""
    try:
        import datasets
    except ImportError as e:  # pragma: no cover - datasets is a core dependency
        raise MissingDependency("datasets", "datasets", "loading Hugging Face datasets") from e
    _silence_loaded()
    detail = (f" config {config!r}" if config else "") + (f" split {split!r}" if split else "")
    with hub_errors("dataset", hub_id, revision, hint=hint, detail=detail):
        # only the arguments that are set: the same call each caller made before
        kwargs: dict[str, Any] = {"split": split, "revision": revision}
        if config:
            kwargs["name"] = config
        if streaming:
            kwargs["streaming"] = True
        return datasets.load_dataset(hub_id, **kwargs)


def dataset_commit(hub_id: str, revision: str | None = None) -> str | None:
    """The commit a dataset revision points at now, or None when the Hub is unreachable,
    offline mode is on, or it cannot be resolved (the caller then runs unpinned)."""
    if hub_unreachable_reason() is not None:
        return None
    try:
        from huggingface_hub import HfApi

        sha = HfApi().dataset_info(hub_id, revision=revision, timeout=_timeout()).sha
    except Exception:  # private, no such revision, a network hiccup: unpinned
        return None
    return sha if isinstance(sha, str) else None


# --- fingerprints ----------------------------------------------------------------------------


def weight_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith(WEIGHT_SUFFIXES) and "optimizer" not in p.name
    )


_HASHED: dict[tuple, dict[str, str]] = {}


def weights_sha256(name: str | Path, revision: str | None = None) -> dict[str, str]:
    """sha256 of every weight file of a model: a local folder is hashed file by file; a model
    from the Hub cache reuses the content hash its blob is named by (no re-reading)."""
    from auditkit.io import sha256_file

    p = Path(str(name)).expanduser()
    if p.is_dir():
        files = weight_files(p)
        # Hashing 15 GB takes a while: once per process for unchanged files.
        key = tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
        if key not in _HASHED:
            _HASHED[key] = {str(f.relative_to(p)): sha256_file(f) for f in files}
        return dict(_HASHED[key])
    if p.is_file():
        return {p.name: sha256_file(p)}
    try:
        with _offline_mode():
            from huggingface_hub import snapshot_download

            folder = Path(
                snapshot_download(
                    str(name),
                    revision=revision,
                    allow_patterns=[f"*{s}" for s in WEIGHT_SUFFIXES],
                )
            )
    except Exception:
        return {}
    out = {}
    for f in weight_files(folder):
        blob = f.resolve()
        out[str(f.relative_to(folder))] = (
            blob.name if _SHA256.match(blob.name) else sha256_file(blob)
        )
    return out


def model_input_record(name: str | None, role: str = "model") -> dict[str, Any] | None:
    """An audit.json input for a local model folder: its weight files with their sha256, so
    `auditkit rerun` refuses (or flags) a changed checkpoint. None for Hub ids (their
    resolved revision and blob hashes are recorded with the model)."""
    if not name or not Path(str(name)).expanduser().is_dir():
        return None
    return {"path": str(name), "role": role, "files": weights_sha256(name)}


# --- library chatter -------------------------------------------------------------------------


_QUIET = False


def quiet_libraries() -> None:
    """Silence transformers/datasets/huggingface_hub progress bars, logs and warnings (-q).

    Libraries not imported yet are silenced through their environment variables and again
    when this module imports them, so `-q` never pays for importing transformers."""
    import logging
    import warnings

    global _QUIET
    _QUIET = True
    warnings.filterwarnings("ignore")
    for var, value in (
        ("TRANSFORMERS_VERBOSITY", "error"),
        ("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1"),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ("HF_DATASETS_DISABLE_PROGRESS_BARS", "1"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ):
        os.environ.setdefault(var, value)
    for name in ("transformers", "datasets", "huggingface_hub", "accelerate", "peft"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _silence_loaded()


def _silence_loaded() -> None:
    import sys

    if not _QUIET:
        return
    if "transformers" in sys.modules:
        with contextlib.suppress(Exception):
            tl = sys.modules["transformers"].utils.logging
            tl.set_verbosity_error()
            tl.disable_progress_bar()
    if "datasets" in sys.modules:
        with contextlib.suppress(Exception):
            ds = sys.modules["datasets"]
            ds.utils.logging.set_verbosity_error()
            ds.disable_progress_bars()
    if "huggingface_hub" in sys.modules:
        with contextlib.suppress(Exception):
            from huggingface_hub.utils import disable_progress_bars

            disable_progress_bars()
