"""The task registry."""

from __future__ import annotations

import pytest

from auditkit.errors import AuditkitError
from auditkit.evals.base import get_task, task_names


def test_registry_has_the_four_tasks_and_aliases():
    assert sorted(task_names()) == ["belebele", "globalopinionsqa", "md3-game", "tydiqa-goldp"]
    assert get_task("md3").name == "md3-game"
    assert get_task("goqa").name == "globalopinionsqa"
    with pytest.raises(AuditkitError, match="known: belebele"):
        get_task("mmlu")
