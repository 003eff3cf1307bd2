"""Choosing an output reader: unknown formats and another task's format name the file; a folder
holding per-model output folders (the study's outputs/<task>/<model>/) can be given as one
--outputs argument."""

from __future__ import annotations

import json

import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.evals.api import score_outputs
from tests.conftest import require_shared


def test_unknown_and_wrong_task_formats_name_the_file(tmp_path):
    f = tmp_path / "notes.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"notes.csv: matches no known output format"):
        score_outputs("md3-game", [str(f)], out=str(tmp_path / "o"))
    g = tmp_path / "goqa.jsonl"
    g.write_text(
        json.dumps({"model_id": "m", "row_index": 0, "probs": [1.0], "similarity_1_minus_jsd": {}})
        + "\n"
    )
    with pytest.raises(InputError, match="looks like goqa-study-jsonl: wrong task"):
        score_outputs("md3-game", [str(g)], out=str(tmp_path / "o"))
    with pytest.raises(AuditkitError, match="no such file"):
        score_outputs("md3-game", [str(tmp_path / "missing.csv")], out=str(tmp_path / "o"))


MODELS = ("Mistral-7B-v0.1_8bit", "Mistral-SFT-7B_8bit", "zephyr-7b-beta_8bit")


@pytest.mark.slow
def test_parent_folder_stands_for_its_model_folders(tmp_path):
    outs = require_shared("global_representation", "tydiqa_outputs")
    gold = require_shared("global_representation", "tydiqa_goldp_dev")
    parent = tmp_path / "tydiqa_outputs"
    parent.mkdir()
    for m in MODELS:
        (parent / m).symlink_to(outs / m, target_is_directory=True)
    one_by_one = score_outputs(
        "tydiqa-goldp",
        [str(parent / m) for m in MODELS],
        data=str(gold),
        out=str(tmp_path / "a"),
        n_resamples=100,
    )
    as_folder = score_outputs(
        "tydiqa-goldp", [str(parent)], data=str(gold), out=str(tmp_path / "b"), n_resamples=100
    )
    assert as_folder["models"] == one_by_one["models"]
    assert as_folder["steps"] == one_by_one["steps"]
    assert len(as_folder["models"]) == 3


def test_folder_with_a_foreign_subfolder_is_still_an_error(tmp_path):
    outs = require_shared("global_representation", "tydiqa_outputs")
    gold = require_shared("global_representation", "tydiqa_goldp_dev")
    parent = tmp_path / "mixed"
    parent.mkdir()
    (parent / MODELS[0]).symlink_to(outs / MODELS[0], target_is_directory=True)
    (parent / "notes").mkdir()
    (parent / "notes" / "readme.txt").write_text("not an output")
    with pytest.raises(InputError, match="subfolders"):
        score_outputs("tydiqa-goldp", [str(parent)], data=str(gold), out=str(tmp_path / "o"))
