"""The embedded MiniLM on ONNX Runtime: sentence vectors and the answer reader's scores with no torch or transformers
on the way, tokenised by the `tokenizers` library from the model's own tokenizer.json.

The graph is exported from the packaged weights once (PyTorch's TorchScript-based exporter, which does need torch
and transformers) into the model cache, named after what it was made from, and opened from there on every later
start. `OnnxEncoder.open` raises EncoderUnavailable when it cannot export or open one; the callers then run the
same model in PyTorch, with one log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

__all__ = ["EncoderUnavailable", "OnnxEncoder"]

log = logging.getLogger(__name__)

Kind = Literal["sentences", "reader"]
_EXPORT = 2  # the version of what `_export` writes: a change makes new exports rather than reuse kept ones (2: int8
# weights in 7 bits, the same on every CPU)
_PAD_TO = 8  # fewer distinct shapes for ONNX Runtime to plan for


class EncoderUnavailable(RuntimeError):
    """No ONNX graph for this model: the message says why; the caller runs it in PyTorch."""


class OnnxEncoder:
    """One MiniLM graph: "sentences" maps texts to unit vectors, "reader" maps (question, sentence) pairs to logits.

    Example:
        encoder = OnnxEncoder.open(default_model_dir(), cache_folder, "sentences")
        vectors = encoder.run(["Who ended the siege?"])          # (1, 384) float32, unit length
    """

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.inputs = {item.name for item in session.get_inputs()}
        shape = session.get_outputs()[0].shape
        self.dimensions = shape[-1] if len(shape) == 2 and isinstance(shape[-1], int) else 1  # vectors or a logit

    @classmethod
    def open(cls, folder: Path, cache: Path, kind: Kind, *, weights: Path | None = None, max_tokens: int = 256,
             int8: bool = False) -> OnnxEncoder:
        """The graph for the model in `folder` (with the reader's `weights` laid over it), exported into `cache`
        first if it is not there; `int8` quantises its weights (per output channel) after the export."""
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            raise EncoderUnavailable(f"{error.name} is not installed") from None
        if not (folder / "tokenizer.json").is_file():
            raise EncoderUnavailable(f"{folder} has no tokenizer.json")
        path = cache / f"{_fingerprint(folder, kind, weights, int8)}.onnx"
        try:
            if not path.is_file():
                _export(folder, kind, weights, path, int8)
                _prune(path, _family(kind, int8))
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # A memory pattern is planned and kept for every input shape, and editorials' batches come in hundreds of
            # shapes: without them, peak memory over the 266-editorial bench fell from 410 MB to 325 MB, no slower.
            options.enable_mem_pattern = False
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except EncoderUnavailable:
            raise
        except Exception as error:  # a broken or half-written file, an exporter that cannot trace this model
            raise EncoderUnavailable(f"{type(error).__name__}: {error}") from error
        tokenizer.enable_truncation(max_tokens, strategy="only_second" if kind == "reader" else "longest_first")
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_to_multiple_of=_PAD_TO)
        return cls(session, tokenizer)

    def run(self, batch: Sequence[str] | Sequence[tuple[str, str]]) -> np.ndarray:
        """Vectors (sentences) or logits (reader) for one batch, in the order given."""
        encoded = self.tokenizer.encode_batch(list(batch))
        feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
        return np.asarray(self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0])


def _fingerprint(folder: Path, kind: Kind, weights: Path | None, int8: bool) -> str:
    """Names the export after what it is made from: the model's configuration and weight files (name, size and
    modification time: hashing 90 MB would cost every start), the reader's weights, the precision and `_EXPORT`.
    Library versions are left out: an ONNX graph stays valid when torch or ONNX Runtime is upgraded."""
    files = sorted([*folder.glob("*.safetensors"), *folder.glob("*.bin"), *([weights] if weights else [])])
    stamp = [(str(f), (info := f.stat()).st_size, info.st_mtime_ns) for f in files]
    digest = hashlib.sha256(json.dumps([(folder / "config.json").read_text(encoding="utf-8"), stamp, kind,
                                        int8, _EXPORT]).encode())
    return f"{_family(kind, int8)}-{digest.hexdigest()[:16]}"


def _family(kind: Kind, int8: bool) -> str:
    """What an export's name opens with: the model and its precision ("reader-int8", "sentences-float32")."""
    return f"{kind}-{'int8' if int8 else 'float32'}"


def _prune(kept: Path, family: str) -> None:
    """Remove the exports `kept` replaces: the others of its `family` (the same kind at the same precision), made
    from other weights or by an earlier newsdesk. Each is 23-90 MB, and every upgrade of the reader or of the export
    left one behind (7.4 GB in the development machine's cache). Another weights file used beside the shipped one (a
    training run's) is exported again, in seconds, when it is next used."""
    for old in kept.parent.glob(f"{family}-*.onnx"):
        if old != kept:
            try:
                old.unlink()
            except OSError as error:  # read-only, or another process removed it first
                log.debug("could not remove the old export %s: %s", old.name, error)


def _export(folder: Path, kind: Kind, weights: Path | None, path: Path, int8: bool) -> None:
    try:
        from bot.models.onnx_export import export
    except ImportError as error:
        raise EncoderUnavailable(f"{error.name} is needed once, to export the model") from None
    export(folder, kind, weights, path, int8)
