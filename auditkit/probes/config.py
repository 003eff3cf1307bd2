"""What determines a `probe-rm` run's results: one frozen config (stdlib + auditkit.config only,
so the CLI and the run-kind registry import it cheaply).

Field names are the keyword arguments of ``auditkit.probes.api.probe_rm`` (and the keys of the
``config`` in audit records written before the config existed), so old records still replay.
Where the CLI declares a limit (IntRange, Choice) the field declares it too, so a flag, a
record and a script are checked alike. Where a run writes, how it shows progress, which engine
scores and the language labeller of `--pairs` are runtime arguments of ``run_probe``, not
fields: they never change the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditkit.config import RunConfig, setting
from auditkit.modeling import DTYPES

# Questions per chunk: the unit of work the Ray engine hands out, and a batch plan's scope for
# both engines. 16 questions x 181 countries fill several batches, and 554 questions make 35
# chunks: enough to keep 8 GPUs busy to the end.
DEFAULT_QUESTION_CHUNK = 16
ENGINES = ("local", "ray")
SCORER_NAMES = ("starling", "seq-cls", "dpo", "lm")


@dataclass(frozen=True)
class ProbeConfig(RunConfig):
    """MODEL(s) to score or SCORES to analyse, the probes, the scorer and the analysis.

    ``model``: registry names, Hub ids or folders (one string or several); ``scores``: score
    files or run folders to analyse instead. ``batch_size`` fixes the sequences per forward
    pass instead of the token budget; ``model_args`` takes lm-evaluation-harness's
    ``--model_args`` spelling (``pretrained=ID`` stands for MODEL).
    """

    model: str | tuple[str, ...] | None = None
    scores: tuple[str, ...] | None = None
    # what to probe
    probes: str = "default"
    probes_revision: str | None = None
    countries: str | tuple[str, ...] | None = "study-181"
    # how to score
    scorer: str | None = setting(None, choices=SCORER_NAMES)
    reference_model: str | None = None
    beta: float | None = None
    base_model: str | None = None
    use_chat_template: bool | None = None
    lm_span: str = setting("country", choices=("country", "response"))
    dtype: str = setting("auto", choices=DTYPES)
    device: str = "auto"
    revision: str | None = None
    load_in_8bit: bool = False
    load_in_4bit: bool = False
    token_budget: int | None = setting(None, min=1)
    max_batch_size: int = setting(512, min=1)
    reuse_prefix: bool = True
    question_chunk: int = setting(DEFAULT_QUESTION_CHUNK, min=1)
    limit: int | None = setting(None, min=1)
    # the country analysis
    favourable: str | None = setting(None, choices=("higher", "lower"))
    reference_country: str = "USA"
    ties: str = setting("study", choices=("study", "average"))
    surveys: tuple[str, ...] | None = None
    n_resamples: int = setting(2000, min=1)
    seed: int = 0
    # preference pairs and language probes
    pairs: tuple[str, ...] | None = None
    pairs_format: str | None = None
    pairs_split: str | None = None
    pairs_language: str = "prompt"
    reference_language: str = "en"
    languages: tuple[str, ...] | None = None
    prompt_variants: tuple[str, ...] = ("native", "reference")
    model_args: str | dict[str, Any] | None = None
    batch_size: int | None = setting(None, min=1)

    @property
    def model_list(self) -> list[str]:
        """The models named by ``model`` (none when analysing scores)."""
        if isinstance(self.model, str):
            return [self.model]
        return list(self.model or [])
