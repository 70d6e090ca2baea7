"""Exporting MiniLM graphs for bot/models/onnx_encoder.py: the one place the ONNX path needs torch and transformers,
once per model (PyTorch's TorchScript-based exporter, opset 17, eager attention so the graph is plain matrix
products)."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from bot.models.networks import load_network, sentence_network

__all__ = ["export", "quantise", "write_graph"]

log = logging.getLogger(__name__)

_OPSET = 17
_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def export(folder: Path, kind: str, weights: Path | None, path: Path, int8: bool = False) -> None:
    """Trace the model in `folder` ("sentences", or "reader" with its `weights` laid over) into `path`, its weights
    quantised to int8 if asked, via temporary files, so a failed export leaves nothing behind."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    log.info("exporting the %s model in %s to ONNX, once: a few seconds", kind, folder)
    if kind == "reader":
        graph = load_network(weights, folder, attention="eager")
    else:
        graph = sentence_network(folder, attention="eager")
    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in _NAMES)
    axes = {name: {0: "batch", 1: "tokens"} for name in _NAMES} | {"out": {0: "batch"}}
    write_graph(path, lambda target: torch.onnx.export(
        graph, example, str(target), input_names=_NAMES, output_names=["out"], dynamic_axes=axes,
        opset_version=_OPSET, dynamo=False), int8=int8, per_channel=True)
    log.info("exported the %s model to %s", kind, path)


def write_graph(path: Path, trace: Callable[[Path], object], *, int8: bool, per_channel: bool) -> None:
    """Run `trace` (an ONNX export into the path it is given) into a temporary file, quantise the result to int8 if
    asked, and move it to `path`: a failed export or quantisation leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial, quantised = (path.with_suffix(f".{os.getpid()}.{part}.tmp") for part in ("float32", "int8"))
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer warnings, on every export
            trace(partial)
        if int8:
            quantise(partial, quantised, per_channel=per_channel)
            quantised.replace(path)
        else:
            partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
        quantised.unlink(missing_ok=True)


def quantise(source: Path, target: Path, *, per_channel: bool) -> None:
    """Write `source` with its weights in int8 to `target`. For MiniLM one scale per output channel: with one per
    tensor, sentence vectors drifted to a mean cosine of 0.958 from float32's (0.917 at worst) over 222 editorial
    sentences; per channel, 0.992 (0.980).

    The weights take 7 bits (-64 to 64, `reduce_range`), so every x86-64 CPU computes the same integers. ONNX Runtime
    multiplies uint8 activations by int8 weights; without VNNI (AVX2 and plain AVX-512: AMD before Zen 4, Intel
    before Cascade Lake) it adds each pair of products in 16 bits, and 255 x 127 x 2 overflows and is clamped. Emulated
    on 300 reader pairs, the clamping moved the logits by 0.16 on average and 0.77 at most, as much as int8 moves them
    from float32; with 7 bits, 255 x 64 x 2 fits, and VNNI, AMX and AVX2 give the same result."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = _Quiet()  # the quantiser logs a line per tensor on the root logger
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=per_channel, reduce_range=True,
                         extra_options={"DefaultTensorType": 1})
    finally:
        logging.getLogger().removeFilter(quiet)


class _Quiet(logging.Filter):
    """Drops the records ONNX Runtime's quantiser writes straight to the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname
