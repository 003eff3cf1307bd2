"""Model runner for the eval tasks: greedy generation and option log-probabilities, batched.

Option scoring reproduces the study's ``compute_negative_log_likelihoods``: the prompt and
``prompt + option`` are tokenised separately, the option's tokens are those past the prompt's
length, and an option's score is exp(-mean token negative log-likelihood), normalised over the
options. Batching (right padding, attention mask) does not change those numbers.

Batches are formed from prompts of similar length (sorted, then restored to input order). With
``batch_size="auto"`` the runner starts at 32 prompts on GPU (8 on CPU) and halves on
out-of-memory errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditkit.batching import halve_on_oom
from auditkit.console import make_progress
from auditkit.errors import AuditkitError
from auditkit.modeling import (
    LoadOptions,
    load_model,
    load_tokenizer,
    model_info,
    require_torch,
    resolve_device,
)


def _batch_size(value: str | int, device: str) -> tuple[int, bool]:
    if str(value) == "auto":
        return (32 if device.startswith("cuda") else 8), True
    try:
        n = int(value)
    except ValueError as e:
        raise AuditkitError(
            f"--batch-size must be 'auto' or a positive integer, not {value!r}"
        ) from e
    if n < 1:
        raise AuditkitError("--batch-size must be at least 1")
    return n, False


class ModelRunner:
    """A causal LM and its tokenizer, loaded once and used for every prompt of a task."""

    def __init__(
        self,
        model_id: str,
        opts: LoadOptions = LoadOptions(),
        batch_size: str | int = "auto",
        chat_template: bool = False,
        seed: int = 0,
        show_progress: bool = True,
    ) -> None:
        from auditkit import hub

        hub.require_existing(model_id, "model")
        self.torch = require_torch()
        self.torch.manual_seed(seed)
        self.model_id = model_id
        self.opts = opts
        self.device = resolve_device(opts.device)
        self.batch_size, self.auto_batch = _batch_size(batch_size, self.device)
        self.chat_template = chat_template
        self.show_progress = show_progress
        self.tokenizer = load_tokenizer(model_id, opts)
        if chat_template and not getattr(self.tokenizer, "chat_template", None):
            raise AuditkitError(
                f"--chat-template: the tokenizer of {model_id} has no chat template"
            )
        self.model = load_model(model_id, "AutoModelForCausalLM", opts)
        self.input_device = next(self.model.parameters()).device

    # -- prompts ------------------------------------------------------------------------------

    def format_prompt(self, prompt: str) -> str:
        if not self.chat_template:
            return prompt
        return self.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )

    def _encode(self, text: str) -> list[int]:
        # A chat-formatted prompt already holds its special tokens (e.g. <s>).
        return self.tokenizer(text, add_special_tokens=not self.chat_template)["input_ids"]

    def _run_batched(self, n: int, lengths: list[int], fn, desc: str) -> list[Any]:
        """Apply ``fn(indices)`` over length-sorted batches, halving on OOM in auto mode."""
        results: list[Any] = [None] * n
        order = list(np.argsort(-np.asarray(lengths), kind="stable"))
        with make_progress("prompt", disable=not self.show_progress) as progress:
            bar = progress.add_task(desc, total=n)
            done = 0

            def attempt(batch_size: int) -> None:
                # batches finished before an out-of-memory are kept; the rest re-run smaller
                nonlocal done
                while done < n:
                    idx = order[done : done + batch_size]
                    for j, r in zip(idx, fn(idx)):
                        results[j] = r
                    done += len(idx)
                    progress.advance(bar, len(idx))

            # a fixed --batch-size is the user's choice: no back-off below it
            _, self.batch_size = halve_on_oom(
                attempt,
                self.batch_size,
                1 if self.auto_batch else self.batch_size,
                "lower --batch-size or use --load-in-8bit",
            )
        return results

    # -- generation ---------------------------------------------------------------------------

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        """Greedy continuations (special tokens removed), in the order of ``prompts``."""
        torch = self.torch
        encoded = [self._encode(self.format_prompt(p)) for p in prompts]
        pad = self.tokenizer.pad_token_id

        def run(idx):
            rows = [encoded[i] for i in idx]
            width = max(len(r) for r in rows)
            # Left padding: every prompt ends at the same position, where generation starts.
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for k, r in enumerate(rows):
                ids[k, width - len(r) :] = torch.tensor(r, dtype=torch.long)
                mask[k, width - len(r) :] = 1
            out = self.model.generate(
                input_ids=ids.to(self.input_device),
                attention_mask=mask.to(self.input_device),
                do_sample=False,
                num_beams=1,
                max_new_tokens=max_new_tokens,
                pad_token_id=pad,
            )
            new = out[:, width:].cpu()
            return [self.tokenizer.decode(t, skip_special_tokens=True) for t in new]

        return self._run_batched(len(prompts), [len(e) for e in encoded], run, "generating")

    # -- option scoring -----------------------------------------------------------------------

    def option_probs(self, prompts: list[str], options: list[list[str]]) -> list[list[float]]:
        """Per prompt: exp(-mean NLL of each option continuation), normalised over options."""
        torch = self.torch
        pairs: list[tuple[int, list[int], int]] = []  # (prompt index, ids, prompt length)
        for i, (p, opts) in enumerate(zip(prompts, options)):
            text = self.format_prompt(p)
            n_prompt = len(self._encode(text))
            for o in opts:
                ids = self._encode(text + o)
                if len(ids) <= n_prompt:
                    raise AuditkitError(f"option {o!r} adds no token after the prompt")
                pairs.append((i, ids, n_prompt))
        pad = self.tokenizer.pad_token_id

        def run(idx):
            rows = [pairs[j] for j in idx]
            width = max(len(r[1]) for r in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for k, (_, r, _) in enumerate(rows):
                ids[k, : len(r)] = torch.tensor(r, dtype=torch.long)
                mask[k, : len(r)] = 1
            logits = self.model(
                input_ids=ids.to(self.input_device), attention_mask=mask.to(self.input_device)
            ).logits.float()
            out = []
            for k, (_, r, n_prompt) in enumerate(rows):
                # token t is predicted from position t - 1
                pos = torch.arange(n_prompt - 1, len(r) - 1, device=logits.device)
                target = torch.tensor(r[n_prompt:], device=logits.device)
                logp = torch.log_softmax(logits[k, pos], dim=-1).gather(1, target[:, None])
                out.append(float(-logp.mean()))
            return out

        nll = self._run_batched(len(pairs), [len(p[1]) for p in pairs], run, "scoring options")
        result: list[list[float]] = [[] for _ in prompts]
        for (i, _, _), v in zip(pairs, nll):
            result[i].append(v)
        probs = []
        for losses in result:
            s = np.exp(-np.asarray(losses, dtype=float))
            probs.append((s / s.sum()).tolist())
        return probs

    def info(self) -> dict[str, Any]:
        info = model_info(self.model_id, self.opts, self.model)
        info.update(
            device_used=str(self.input_device),
            dtype_used=str(next(self.model.parameters()).dtype).removeprefix("torch."),
            chat_template=self.chat_template,
            tokenizer=type(self.tokenizer).__name__,
            batch_size=self.batch_size,
        )
        return info
