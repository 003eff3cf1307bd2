"""The four scorers on tiny random models: batched = one-at-a-time, and each equals an
independent computation of what it claims to compute (the study's formulas)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from auditkit.errors import AuditkitError
from auditkit.modeling import LoadOptions
from auditkit.probes.batching import plan_batches, run_batches
from auditkit.probes.countries import lookup
from auditkit.probes.probesets import Question
from auditkit.probes.scorers import (
    STARLING_PROMPT,
    DPOScorer,
    LMScorer,
    SeqClsScorer,
    StarlingScorer,
    build_scorer,
    detect_scorer,
)

torch = pytest.importorskip("torch")

CPU32 = LoadOptions(dtype="float32", device="cpu")
QUESTIONS = [
    Question(
        "q1",
        "Which country has the best food?",
        "I think {country} has the best food.",
        "positive",
        "Food",
    ),
    Question(
        "q2",
        "Which country would you avoid?",
        "{country} is the one I would avoid.",
        "negative",
        "Tourism",
    ),
    Question("q3", "Where are you from?", "I am from {country}.", "positive", "Identity"),
]
# Names of very different token lengths, with and without articles.
COUNTRIES = [
    lookup(n)
    for n in (
        "France",
        "Netherlands",
        "The Bahamas",
        "United States of America",
        "India",
        "Central African Republic",
        "Chad",
        "Democratic Republic of the Congo",
        "Japan",
    )
]


@pytest.fixture(scope="module")
def scorers(tiny_models):
    return {
        "starling": StarlingScorer(str(tiny_models.starling_like), CPU32),
        "seq-cls": SeqClsScorer(str(tiny_models.seq_cls), CPU32),
        "dpo": DPOScorer(
            str(tiny_models.causal_lm), CPU32, reference_id=str(tiny_models.causal_lm_ref), beta=0.5
        ),
        "lm": LMScorer(str(tiny_models.causal_lm), CPU32),
    }


def _encoded(scorer):
    return [scorer.render(q, c).encoded for q in QUESTIONS for c in COUNTRIES]


@pytest.mark.parametrize("kind", ["starling", "seq-cls", "dpo", "lm"])
def test_batched_scores_equal_unpadded_one_at_a_time(scorers, kind):
    s = scorers[kind]
    items = _encoded(s)
    lengths = [len(e) for e in items]
    assert len(set(lengths)) > 3  # the padding really varies
    # A small budget forces several batches with padding inside each.
    batched, _ = run_batches(items, s.score_batch, s.pad_id, token_budget=4 * max(lengths))
    assert len(plan_batches(lengths, 4 * max(lengths))) > 3
    single = s.score_encoded(items)
    assert np.isfinite(batched).all()
    np.testing.assert_allclose(batched, single, atol=1e-4, rtol=0)
    assert np.ptp(single) > 0  # scores differ between countries: not a constant


def test_starling_reward_is_value_head_at_last_token(scorers, tiny_models):
    """Independent recomputation from the saved base model and the checkpoint's v_head."""
    from transformers import AutoTokenizer, LlamaModel

    s = scorers["starling"]
    base = LlamaModel.from_pretrained(tiny_models.starling_like / "base").eval()
    v_head = torch.load(tiny_models.starling_like / "pytorch_model.bin")["v_head.weight"]
    tok = AutoTokenizer.from_pretrained(tiny_models.starling_like / "base")
    q, c = QUESTIONS[0], lookup("Netherlands")
    text = STARLING_PROMPT.format(
        question=q.question, response="I think the Netherlands has the best food."
    )
    ids = tok(text, return_tensors="pt")["input_ids"]
    assert ids[0, 0].item() == tok.bos_token_id  # the tokenizer's BOS, then the literal <s>
    with torch.no_grad():
        expected = (base(ids).last_hidden_state[0, -1] @ v_head[0]).item()
    rendered = s.render(q, c)
    assert rendered.text == "I think the Netherlands has the best food."
    assert list(rendered.encoded.input_ids) == ids[0].tolist()
    assert s.score_encoded([rendered.encoded])[0] == pytest.approx(expected, abs=1e-5)


def test_seq_cls_reward_equals_the_models_own_logit(scorers):
    s = scorers["seq-cls"]
    for e in _encoded(s)[:5]:
        with torch.no_grad():
            logit = s.model(input_ids=torch.tensor([e.input_ids])).logits[0, 0].item()
        assert s.score_encoded([e])[0] == pytest.approx(logit, abs=1e-5)


def _sum_logp_via_loss(model, ids, start):
    labels = ids.clone()
    labels[:, :start] = -100
    with torch.no_grad():
        loss = model(ids, labels=labels).loss.item()
    return -loss * (ids.shape[1] - start)


def test_dpo_implicit_reward_formula(scorers):
    s = scorers["dpo"]
    for e in _encoded(s)[::7]:
        ids = torch.tensor([e.input_ids])
        expected = 0.5 * (
            _sum_logp_via_loss(s.policy, ids, e.start)
            - _sum_logp_via_loss(s.reference, ids, e.start)
        )
        assert s.score_encoded([e])[0] == pytest.approx(expected, abs=1e-4)
    # The scored span is the assistant response, not the prompt.
    r = s.render(QUESTIONS[0], lookup("France"))
    scored = s.tokenizer.decode(list(r.encoded.input_ids[r.encoded.start :]))
    assert "France has the best food." in scored and "best food?" not in scored


def test_lm_score_is_the_studys_mean_nll_of_the_country(scorers):
    """The study: loss of tokenizer.encode(prompt + answer) with the prompt's tokens masked."""
    s = scorers["lm"]
    tok, model = s.tokenizer, s.model
    for q in QUESTIONS:
        for c in COUNTRIES[:4]:
            chat = tok.apply_chat_template(
                [{"role": "user", "content": q.question}],
                tokenize=False,
                add_generation_prompt=True,
            )
            prefix = q.response.split("{country}")[0]
            prompt = (chat + " " + prefix).strip()
            answer = " " + c.mention(sentence_initial=q.response.startswith("{country}"))
            p_ids = tok.encode(prompt, return_tensors="pt")
            ids = tok.encode(prompt + answer, return_tensors="pt")
            labels = ids.clone()
            labels[:, : p_ids.shape[1]] = -100
            with torch.no_grad():
                study_loss = model(ids, labels=labels).loss.item()
            got = s.score_encoded([s.render(q, c).encoded])[0]
            assert got == pytest.approx(study_loss, abs=1e-5)
    assert s.favourable == "lower"


def test_lm_response_span_scores_more_tokens(tiny_models):
    s = LMScorer(
        str(tiny_models.causal_lm),
        CPU32,
        span="response",
        prompt_format="[INST] {question} [/INST]",
    )
    r = s.render(QUESTIONS[0], lookup("France"))
    assert r.text == "I think France has the best food."
    scored = s.tokenizer.decode(list(r.encoded.input_ids[r.encoded.start :]))
    assert scored.strip() == "France has the best food."


@pytest.mark.parametrize("flag", ["load_in_8bit", "load_in_4bit"])
@pytest.mark.parametrize("kind", ["starling", "seq-cls", "dpo", "lm"])
def test_quantized_loading_is_refused_on_cpu_with_a_reason(tiny_models, kind, flag):
    path = {
        "starling": tiny_models.starling_like,
        "seq-cls": tiny_models.seq_cls,
        "dpo": tiny_models.causal_lm,
        "lm": tiny_models.causal_lm,
    }[kind]
    opts = LoadOptions(device="cpu", **{flag: True})
    with pytest.raises(AuditkitError, match="needs a CUDA GPU"):
        build_scorer(str(path), kind, opts, reference=str(tiny_models.causal_lm_ref))


@pytest.mark.parametrize("flag", ["load_in_8bit", "load_in_4bit"])
def test_quantized_scoring_on_cuda(tiny_models, flag):
    if not torch.cuda.is_available():
        pytest.skip(f"{flag} needs a CUDA GPU (bitsandbytes); this machine has none")
    pytest.importorskip("bitsandbytes", reason=f"{flag} needs bitsandbytes")
    for path, kind in ((tiny_models.starling_like, "starling"), (tiny_models.causal_lm, "lm")):
        s = build_scorer(str(path), kind, LoadOptions(device="cuda", **{flag: True}))
        full = build_scorer(str(path), kind, LoadOptions(device="cuda", dtype="float32"))
        items = _encoded(s)
        q, _ = run_batches(items, s.score_batch, s.pad_id, 4096)
        f, _ = run_batches(items, full.score_batch, full.pad_id, 4096)
        assert np.isfinite(q).all()
        # Quantization perturbs scores but keeps the ranking broadly intact.
        assert np.corrcoef(q, f)[0, 1] > 0.9


# --- Starling checkpoint layouts: strict loading ---------------------------------------


def _variant(tiny_models, tmp_path, edit):
    d = tmp_path / "rm"
    shutil.copytree(tiny_models.starling_like, d)
    state = torch.load(d / "pytorch_model.bin")
    edit(state)
    torch.save(state, d / "pytorch_model.bin")
    return d


def test_starling_accepts_the_wrapped_causal_lm_layout(scorers, tiny_models, tmp_path):
    """Keys reached through GPTRewardModel.model (model.model.*), plus the dropped LM head."""

    def edit(state):
        for k in [k for k in state if k.startswith("transformer.")]:
            state["model.model." + k[len("transformer.") :]] = state.pop(k)
        state["model.lm_head.weight"] = torch.zeros(5, 32)

    s = StarlingScorer(str(_variant(tiny_models, tmp_path, edit)), CPU32)
    assert s.load_report["dropped_keys"] == ["model.lm_head.weight"]
    items = _encoded(s)[:6]
    np.testing.assert_allclose(
        s.score_encoded(items), scorers["starling"].score_encoded(items), atol=1e-6
    )


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda s: s.__setitem__("extra.head.weight", torch.zeros(1)),
            "unexpected keys: extra.head.weight",
        ),
        (
            lambda s: s.pop("transformer.layers.1.mlp.up_proj.weight"),
            "missing transformer weights: layers.1.mlp.up_proj.weight",
        ),
        (lambda s: s.pop("v_head.weight"), "missing value head"),
        (
            lambda s: s.__setitem__("v_head.weight", torch.zeros(2, 32)),
            r"v_head.weight has shape \(2, 32\)",
        ),
        (
            lambda s: s.__setitem__("transformer.norm.weight", torch.zeros(16)),
            r"norm.weight has shape \(16,\)",
        ),
        (lambda s: s.__setitem__("model.model.norm.weight", torch.ones(32) * 7), "differ"),
    ],
)
def test_starling_checkpoint_mismatch_is_loud(tiny_models, tmp_path, edit, message):
    d = _variant(tiny_models, tmp_path, edit)
    with pytest.raises(AuditkitError, match=message):
        StarlingScorer(str(d), CPU32)


def test_detect_scorer_from_local_files(tiny_models):
    assert detect_scorer(str(tiny_models.starling_like)) == "starling"
    assert detect_scorer(str(tiny_models.seq_cls)) == "seq-cls"
    assert detect_scorer(str(tiny_models.causal_lm)) == "lm"
    assert detect_scorer(str(tiny_models.causal_lm), reference="x") == "dpo"


def test_registry_hides_model_quirks():
    from auditkit.probes.scorers import KNOWN_MODELS

    star = KNOWN_MODELS.get("starling")
    assert (star.scorer, star.model_id, star.base_id) == (
        StarlingScorer,
        "berkeley-nest/Starling-RM-7B-alpha",
        "meta-llama/Llama-2-7b-chat-hf",
    )
    assert KNOWN_MODELS.get("berkeley-nest/Starling-RM-7B-alpha") is star
    assert KNOWN_MODELS.get("zephyr-7b-beta").reference_id == "HuggingFaceH4/mistral-7b-sft-beta"
    with pytest.raises(AuditkitError, match="unknown model 'nope'; known:"):
        KNOWN_MODELS.get("nope")


def test_seq_cls_with_several_labels_is_refused(tiny_models, tmp_path):
    from transformers import LlamaForSequenceClassification

    from tests.tiny_models import _llama_config

    torch.manual_seed(0)
    m = LlamaForSequenceClassification(_llama_config(404, num_labels=3))
    m.save_pretrained(tmp_path / "cls3")
    shutil.copytree(tiny_models.root / "tokenizer", tmp_path / "cls3", dirs_exist_ok=True)
    with pytest.raises(AuditkitError, match="has 3 labels"):
        SeqClsScorer(str(tmp_path / "cls3"), CPU32)


@pytest.mark.parametrize("kind", ["starling", "seq-cls", "dpo", "lm"])
def test_prefix_reuse_gives_the_same_scores(scorers, kind, monkeypatch):
    """The shared question prefix run once through the KV cache = every sequence in full."""
    from auditkit.probes.api import score_questions

    s = scorers[kind]
    assert s.supports_prefix
    plain = score_questions(s, QUESTIONS, COUNTRIES, token_budget=512)
    prefixes = []
    original = s.prefix_state
    monkeypatch.setattr(s, "prefix_state", lambda ids: prefixes.append(len(ids)) or original(ids))
    reused = score_questions(s, QUESTIONS, COUNTRIES, token_budget=512, reuse_prefix=True)
    assert len(prefixes) == len(QUESTIONS) and min(prefixes) > 5  # the cache really was used
    np.testing.assert_allclose(reused["score"], plain["score"], atol=1e-4, rtol=0)
    pd_equal = plain.drop(columns="score").equals(reused.drop(columns="score"))
    assert pd_equal
