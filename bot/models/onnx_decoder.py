"""Greedy decoding of a seq2seq model with its decoder step in ONNX Runtime, on the CPU.

On 2 cores a distilbart-shaped int8 model spends ~12 ms a token in PyTorch's generate(), much of it Python around
small matrix products; the same step exported to ONNX and run by ONNX Runtime in a plain loop takes ~9.3 ms.
Encoder plus 60 tokens from 700: 1.09-1.39 s against 1.30-1.55 s with generate(), 7-17% faster in each of nine
processes timing both in turns (`python bench/generative.py`).

PyTorch still runs the encoder and the first step (which computes the cross-attention keys and values); every
later token is one `session.run`. Which token comes next follows the generation config's rules as generate()
applies them (`_Rules`); a config asking for a rule not applied here makes `OnnxDecoder.build` decline, and
generate() writes as before. Beam search always stays on generate(). Tests hold the two to the same tokens.

The export (PyTorch's TorchScript-based exporter, opset 17) is kept in the model cache, quantised to int8 by ONNX
Runtime when NEWSDESK_DTYPE=int8, so it happens once per model and the next start only opens it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["DecoderDeclined", "OnnxDecoder"]

log = logging.getLogger(__name__)

_OPSET = 17
_EXPORT = 3  # the version of what `_Step` exports: a change makes new exports rather than reuse kept ones (3: int8
# weights in 7 bits, the same on every CPU)
# Generation-config rules generate() would apply that this loop does not: a model asking for any of them
# decodes with generate(). Each entry: the field and the value that means "not asked for".
_UNHANDLED = {"guidance_scale": (None, 1, 1.0), "sequence_bias": (None,), "encoder_repetition_penalty": (None, 1.0),
              "encoder_no_repeat_ngram_size": (None, 0), "bad_words_ids": (None,),
              "exponential_decay_length_penalty": (None,), "suppress_tokens": (None,),
              "begin_suppress_tokens": (None,), "remove_invalid_values": (None, False)}


class DecoderDeclined(RuntimeError):
    """This model's greedy decoding stays on generate(); the message says why."""


class _Step(torch.nn.Module):
    """One decoder step as the exporter sees it. In: the last token, the encoder's states and mask, then each
    layer's self-attention keys and values and each layer's cross-attention keys and values, as plain tensors.
    Out: the next token's logits and each layer's self-attention keys and values, one position longer."""

    def __init__(self, model: Any, layers: int) -> None:
        super().__init__()
        self.model = model
        self.layers = layers

    def forward(self, token: torch.Tensor, encoded: torch.Tensor, mask: torch.Tensor,
                *past: torch.Tensor) -> tuple[torch.Tensor, ...]:
        from transformers.cache_utils import DynamicCache, EncoderDecoderCache

        pairs = [(past[i], past[i + 1]) for i in range(0, 4 * self.layers, 2)]
        caches = DynamicCache(pairs[:self.layers]), DynamicCache(pairs[self.layers:])
        for built, given in zip(caches, (pairs[:self.layers], pairs[self.layers:]), strict=True):
            layers: list[Any] = list(built.layers)
            for layer, (keys, values) in zip(layers, given, strict=True):
                # DynamicCache copies what it is given onto an empty tensor; traced, that copy of every layer's
                # cross-attention keys and values (700 x 1,024 floats each) cost 1.6 ms a token
                layer.keys, layer.values = keys, values
        cache = EncoderDecoderCache(*caches)
        out = self.model(decoder_input_ids=token, encoder_outputs=(encoded,), attention_mask=mask, cache=cache,
                         use_cache=True)
        grown = [tensor for layer in out.cache.self_attention_cache.layers for tensor in (layer.keys, layer.values)]
        return (out.logits[:, -1], *grown)


class OnnxDecoder:
    """A seq2seq model's decoder step in ONNX Runtime, and the greedy loop that drives it.

    Example:
        decoder = OnnxDecoder.build(model, cache_folder, int8=True)   # export once, then open the kept file
        tokens = decoder.write(model, inputs["input_ids"], inputs["attention_mask"], max_new_tokens=60)
    """

    def __init__(self, session: Any) -> None:
        self.session = session
        self.inputs = {item.name for item in session.get_inputs()}  # the exporter drops inputs a graph ignores
        self.layers = sum(name.startswith("self_k") for name in self.inputs)

    @classmethod
    def build(cls, model: Any, cache: Path, *, int8: bool) -> OnnxDecoder:
        """Export `model`'s decoder step (float32, on the CPU, not yet quantised by PyTorch) into `cache` unless it
        is there already, and open it. DecoderDeclined says why when it cannot."""
        try:
            import onnxruntime
        except ImportError:
            raise DecoderDeclined("onnxruntime is not installed") from None
        asked = [name for name, off in _UNHANDLED.items() if getattr(model.generation_config, name, None) not in off]
        if asked:
            raise DecoderDeclined(f"its generation config asks for {', '.join(asked)}")
        if not model.config.is_encoder_decoder or next(model.parameters()).dtype != torch.float32:
            raise DecoderDeclined("only float32 encoder-decoder models are exported")
        path = cache / f"{_fingerprint(model, int8)}.onnx"
        if not path.is_file():
            _export(model, path, int8)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.log_severity_level = 3  # its warnings about unused initialisers are not the admin's business
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return cls(session)

    def write(self, model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor,
              max_new_tokens: int) -> torch.Tensor:
        """What generate(num_beams=1, do_sample=False, max_new_tokens=...) writes for one input: the decoder's
        token ids, its start token first."""
        rules = _Rules(model.generation_config, 1 + max_new_tokens)
        written = [_start_token(model)]
        out = _first_step(model, input_ids, attention_mask)
        logits = out.logits[0, -1].float().numpy()
        keep = {"encoded": out.encoder_last_hidden_state.numpy(), "mask": attention_mask.numpy()}
        keep |= {name: tensor.numpy() for name, tensor in _cached(out)}
        keep = {name: value for name, value in keep.items() if name in self.inputs}
        while True:
            written.append(rules.next_token(written, logits))
            if written[-1] in rules.stops or len(written) > max_new_tokens:
                return torch.tensor([written])
            outputs = self.session.run(None, keep | {"token": np.array([written[-1:]], dtype=np.int64)})
            logits = outputs[0][0]
            for i in range(self.layers):
                keep[f"self_k{i}"], keep[f"self_v{i}"] = outputs[1 + 2 * i], outputs[2 + 2 * i]


def _start_token(model: Any) -> int:
    rules = model.generation_config  # generate() starts from the decoder start token, else the BOS token
    return int(rules.decoder_start_token_id if rules.decoder_start_token_id is not None else rules.bos_token_id)


def _cached(out: Any) -> list[tuple[str, torch.Tensor]]:
    """A step's cached keys and values, named and in the order the exported graph takes them: each layer's
    self-attention keys and values, then each layer's cross-attention keys and values."""
    groups = {"self": out.cache.self_attention_cache.layers, "cross": out.cache.cross_attention_cache.layers}
    return [(f"{kind}_{part}{i}", tensor) for kind, layers in groups.items() for i, layer in enumerate(layers)
            for part, tensor in (("k", layer.keys), ("v", layer.values))]


def _first_step(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Any:
    with torch.no_grad():
        return model(input_ids=input_ids, attention_mask=attention_mask,
                     decoder_input_ids=torch.tensor([[_start_token(model)]]), use_cache=True)


class _Rules:
    """generate()'s greedy rules from a generation config, applied in its order (transformers'
    `_get_logits_processor`: repetition penalty, no repeated n-grams, minimum length, forced first and last
    tokens) to one sequence's logits in numpy. transformers' own processors are torch operations on the whole
    vocabulary, which wake PyTorch's thread pool between ONNX Runtime's steps; on 2 cores the two pools then
    fight over the cores: a whole write took 1.2-1.6 s with them, 1.1-1.2 s with these."""

    def __init__(self, config: Any, max_length: int) -> None:
        self.stops = sorted(set(_token_list(config.eos_token_id)))
        self.min_length = max(config.min_length or 0, 1 + (config.min_new_tokens or 0)) if self.stops else 0
        self.penalty = config.repetition_penalty if config.repetition_penalty not in (None, 1.0) else None
        self.ngram = config.no_repeat_ngram_size or 0
        self.first, self.last = config.forced_bos_token_id, config.forced_eos_token_id
        self.max_length = max_length

    def next_token(self, written: list[int], logits: np.ndarray) -> int:
        """The token greedy decoding picks after `written` (the start token first) from the step's logits."""
        scores = logits.astype(np.float32)  # a copy: ONNX Runtime's buffer is left alone
        if self.penalty is not None:
            seen = np.asarray(written)
            picked = scores[seen]
            scores[seen] = np.where(picked < 0, picked * self.penalty, picked / self.penalty)
        length = len(written)
        if self.ngram and length + 1 >= self.ngram:
            head = tuple(written[length + 1 - self.ngram:])
            banned = [written[i + self.ngram - 1] for i in range(length - self.ngram + 1)
                      if tuple(written[i:i + self.ngram - 1]) == head]
            scores[banned] = -np.inf
        if length < self.min_length:
            scores[self.stops] = -np.inf
        for token, due in ((self.first, length == 1), (self.last, length == self.max_length - 1)):
            if token is not None and due:
                scores[:] = -np.inf
                scores[_token_list(token)] = 0
        return int(scores.argmax())


def _token_list(value: int | list[int] | None) -> list[int]:
    return [] if value is None else [value] if isinstance(value, int) else list(value)


def _fingerprint(model: Any, int8: bool) -> str:
    """Names the export after what it was made from: the configuration, every weight (as sums: a changed file
    gives a new export, not a stale one), the precision and the library versions that wrote it."""
    import onnxruntime
    import transformers

    digest = hashlib.sha256(json.dumps([model.config.to_json_string(), model.generation_config.to_json_string(),
                                        int8, _OPSET, _EXPORT, torch.__version__, transformers.__version__,
                                        onnxruntime.__version__]).encode())
    with torch.no_grad():
        for name, weight in model.state_dict().items():
            digest.update(f"{name}{tuple(weight.shape)}{float(weight.sum(dtype=torch.float64))}".encode())
    return f"decoder-{'int8' if int8 else 'float32'}-{digest.hexdigest()[:16]}"


def _export(model: Any, path: Path, int8: bool) -> None:
    """Trace one decoder step into `path` (via a temporary file, so a failed export leaves nothing behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    name = model.config.name_or_path or model.config.model_type
    log.info("exporting the decoder step of %s to ONNX, once (a distilbart-sized model takes ~20 s)", name)
    ids = torch.ones(1, 4, dtype=torch.long)
    out = _first_step(model, ids, torch.ones_like(ids))
    layers = len(out.cache.self_attention_cache.layers)
    names, past = zip(*_cached(out), strict=True)
    grown = [f"grown_{part}{i}" for i in range(layers) for part in ("k", "v")]
    axes: dict[str, dict[int, str]] = {"token": {0: "batch"}, "encoded": {0: "batch", 1: "source"},
                                       "mask": {0: "batch", 1: "source"}, "logits": {0: "batch"}}
    axes |= {name: {0: "batch", 2: "written" if name.startswith("self") else "source"} for name in names}
    axes |= {name: {0: "batch", 2: "written"} for name in grown}
    step = _Step(model, layers).eval()  # the exporter restores a module's own mode afterwards: it must be eval
    from bot.models.onnx_export import write_graph

    try:
        write_graph(path, lambda target: torch.onnx.export(
            step, (torch.tensor([[5]]), out.encoder_last_hidden_state, torch.ones_like(ids), *past), str(target),
            input_names=["token", "encoded", "mask", *names], output_names=["logits", *grown], dynamic_axes=axes,
            opset_version=_OPSET, dynamo=False), int8=int8, per_channel=False)
    finally:
        model.eval()
    log.info("exported the decoder step of %s to %s", name, path)
