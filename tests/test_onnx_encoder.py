"""The embedded models on ONNX Runtime: the same vectors and tokens as PyTorch, one export kept per model, a broken
export falling back to PyTorch, and the extractive commands running with neither torch nor transformers imported."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from transformers import AutoTokenizer

from bot.models.embedder import Embedder, _TorchSentences, default_model_dir
from bot.models.onnx_encoder import OnnxEncoder
from bot.reading.editorial import make_editorial

from .rigs.support import SEED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    seed = make_editorial(SEED.read_text(encoding="utf-8"), "seed")
    return [*seed.sentences, "Who ended the siege?", "x", "word " * 400, "Karachi — “quoted” ünïcode ½"]


def test_onnx_vectors_match_pytorch_within_cosine_0999(sentences: list[str], tmp_path: Path) -> None:
    onnx = Embedder(precision="float32", cache=tmp_path)
    assert onnx.runtime == "onnxruntime"
    reference = _TorchSentences(default_model_dir(), "reference", "float32")
    cosine = (onnx.encode(sentences) * np.vstack([reference.run([text]) for text in sentences])).sum(1)
    assert cosine.min() >= 0.999 and cosine.shape == (len(sentences),)
    assert np.allclose(np.linalg.norm(onnx.encode(sentences[:3]), axis=1), 1.0, atol=1e-5)
    assert Embedder(precision="bfloat16", cache=tmp_path).runtime == "torch"  # asked for: PyTorch's bfloat16


def test_int8_weights_are_a_quarter_of_the_size_and_close_to_float32(sentences: list[str], tmp_path: Path) -> None:
    small, full = Embedder(precision="int8", cache=tmp_path), Embedder(precision="float32", cache=tmp_path)
    cosine = (small.encode(sentences) * full.encode(sentences)).sum(1)
    assert cosine.mean() >= 0.98 and cosine.min() >= 0.9
    (int8,), (float32,) = tmp_path.glob("sentences-int8-*.onnx"), tmp_path.glob("sentences-float32-*.onnx")
    assert int8.stat().st_size < float32.stat().st_size / 3
    # 7-bit weights: an activation (0-255) times a weight, two by two, fits the 16 bits that ONNX Runtime sums pairs
    # in on CPUs without VNNI, so every x86-64 CPU computes the same numbers
    weights = [numpy_helper.to_array(tensor) for tensor in onnx.load(str(int8)).graph.initializer
               if tensor.data_type == onnx.TensorProto.INT8]
    assert len(weights) >= 36 and all(np.abs(w.astype(np.int32)).max() <= 64 for w in weights)
    assert max(np.abs(w.astype(np.int32)).max() for w in weights) * 255 * 2 <= 32_767


def test_tokens_are_the_ones_transformers_makes_alone_and_in_pairs(sentences: list[str], tmp_path: Path) -> None:
    reference = AutoTokenizer.from_pretrained(default_model_dir())
    alone = OnnxEncoder.open(default_model_dir(), tmp_path, "sentences").tokenizer
    for text in sentences:
        ids = [i for i, m in zip(alone.encode(text).ids, alone.encode(text).attention_mask, strict=True) if m]
        assert ids == reference(text, truncation=True, max_length=256)["input_ids"]
    paired = OnnxEncoder.open(default_model_dir(), tmp_path, "sentences", max_tokens=160).tokenizer
    paired.enable_truncation(160, strategy="only_second")
    for text in sentences:
        encoded = paired.encode("Who ended the siege?", text)
        expected = reference("Who ended the siege?", text, truncation="only_second", max_length=160)
        assert [i for i, m in zip(encoded.ids, encoded.attention_mask, strict=True) if m] == expected["input_ids"]
        assert encoded.type_ids[:len(expected["token_type_ids"])] == expected["token_type_ids"]


def test_the_export_is_made_once_and_kept(tmp_path: Path) -> None:
    Embedder(cache=tmp_path).load()
    made = list(tmp_path.glob("sentences-*.onnx"))
    assert len(made) == 1
    stamp = made[0].stat().st_mtime_ns
    second = Embedder(cache=tmp_path)
    assert second.runtime == "onnxruntime"
    assert list(tmp_path.glob("*")) == made and made[0].stat().st_mtime_ns == stamp


def test_a_new_export_removes_the_one_it_replaces_and_no_other(tmp_path: Path) -> None:
    stale, other, reader = (tmp_path / f"{name}-0123456789abcdef.onnx"
                            for name in ("sentences-int8", "sentences-float32", "reader-int8"))
    for path in (stale, other, reader):
        path.write_bytes(b"an export made by an earlier newsdesk")
    Embedder(precision="int8", cache=tmp_path).load()
    made = list(tmp_path.glob("sentences-int8-*.onnx"))
    assert len(made) == 1 and made[0] != stale and not stale.exists()
    assert other.exists() and reader.exists()  # another precision, another model: kept


def test_a_broken_export_falls_back_to_pytorch_with_one_log_line(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    Embedder(cache=tmp_path).load()
    for path in tmp_path.glob("*.onnx"):
        path.write_bytes(b"not a graph")
    with caplog.at_level(logging.INFO, logger="bot"):
        broken = Embedder(cache=tmp_path)
        vectors = broken.encode(["Who ended the siege?"])
    assert broken.runtime == "torch" and vectors.shape == (1, 384)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "PyTorch" in warnings[0].getMessage()


def test_a_cache_that_cannot_be_written_falls_back_to_pytorch(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    embedder = Embedder(cache=blocked / "models")
    assert embedder.runtime == "torch" and embedder.encode(["a"]).shape == (1, 384)


_PROBE = """
import sys
from bot.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def test_extractive_commands_import_neither_torch_nor_transformers(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSDESK_DB": str(tmp_path / "probe.db"), "NEWSDESK_MODEL_CACHE": str(tmp_path / "m")}
    env.pop("NEWSDESK_ENGINE", None)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-c", _PROBE, *args], env=env, cwd=ROOT, input=stdin,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    run("add", str(SEED))  # the first runs make the ONNX graphs (importing torch to do it)
    run("ask", "--all", "Who ended the siege?")
    for command in [("summarize", str(SEED)), ("ask", "--all", "Who ended the siege?"), ("editorials",),
                    ("add", str(SEED))]:
        done = run(*command)
        assert "HEAVY:\n" in done.stderr, (command, done.stderr)
    answered = run("ask", "--all", "Who ended the siege?")
    assert "Sindh police officers" in answered.stdout
    chat = run("chat", stdin=f"/ask Who ended the siege?\n/summarize {SEED}\nquit\n")
    assert "HEAVY:\n" in chat.stderr and "Sindh police officers" in chat.stdout and "TL;DR:" in chat.stdout
