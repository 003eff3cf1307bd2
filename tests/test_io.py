"""auditkit.io: deterministic JSON, atomic writes, run-folder names and fingerprints."""

import hashlib
import json
import math

import numpy as np

from auditkit import io


def test_dumps_json_is_deterministic_and_has_no_nan():
    obj = {"b": np.float32(0.5), "a": [np.int64(3), float("nan"), math.inf], "c": np.bool_(True)}
    text = io.dumps_json(obj)
    assert text == io.dumps_json(dict(reversed(list(obj.items()))))  # key order does not matter
    assert text.endswith("\n")
    assert json.loads(text) == {"a": [3, None, None], "b": 0.5, "c": True}


def test_write_json_is_atomic_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old")
    io.write_json(target, {"x": 1})
    assert io.read_json(target) == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_slug_is_readable_and_injective():
    assert io.slug("allenai/tulu-2-7b") == "allenai__tulu-2-7b"
    names = ["x/y", "x__y", "x y", "x-y", "<b>", ""]
    slugs = [io.slug(n) for n in names]
    assert len(set(slugs)) == len(names)
    assert all("/" not in s and " " not in s for s in slugs)


def test_sha256_file_matches_hashlib(tmp_path):
    f = tmp_path / "data.bin"
    payload = bytes(range(256)) * 5000  # several read chunks
    f.write_bytes(payload)
    assert io.sha256_file(f, chunk=4096) == hashlib.sha256(payload).hexdigest()
    assert io.text_hash("héllo") == io.text_hash("héllo") != io.text_hash("hello")
