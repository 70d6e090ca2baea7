"""Local transformers models for the generative engines: by hub id (from the local cache only), folder, or
GGUF file; loaded once, lazily, thread-safely. Nothing here downloads: a missing model is a sentence saying
which setting to change."""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import warnings
from pathlib import Path
from typing import Any

from bot.allocator import keep_large_blocks
from bot.errors import SettingsError
from bot.models.onnx_decoder import DecoderDeclined, OnnxDecoder

__all__ = ["LocalModel", "ModelUnavailable"]

log = logging.getLogger(__name__)


class ModelUnavailable(RuntimeError):
    """The model cannot be loaded or run; the message says why and what to set."""


class LocalModel:
    """A tokenizer and a model of one kind ("seq2seq" or "causal"), loaded on first use. A seq2seq model that
    will decode greedily on the CPU also gets `decoder`, its decoder step in ONNX Runtime (None where that
    cannot be had: then generate() writes).

    Example:
        model = LocalModel("sshleifer/distilbart-cnn-12-6", "seq2seq", device="auto", dtype="auto", cache=folder)
        tokenizer, network = model.get()
    """

    def __init__(self, name: str | None, kind: str, *, device: str, dtype: str, cache: Path,
                 greedy: bool = False) -> None:
        if not name:
            raise SettingsError("This engine needs a model: set NEWSDESK_MODEL to a hub id, a folder or a .gguf file.")
        self.name = name
        self.kind = kind
        self.device = device
        self.dtype = dtype
        self.cache = cache
        self.greedy = greedy
        self.decoder: OnnxDecoder | None = None
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None
        self._failure: str | None = None

    def get(self) -> tuple[Any, Any]:
        """(tokenizer, model); ModelUnavailable when it cannot be loaded (the failure is remembered)."""
        if self._loaded is None:
            with self._lock:
                if self._failure is not None:
                    raise ModelUnavailable(self._failure)
                if self._loaded is None:
                    try:
                        self._loaded = self._load()
                    except ModelUnavailable as error:
                        self._failure = str(error)
                        raise
        return self._loaded

    @property
    def torch_device(self) -> str:
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def _load(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        keep_large_blocks()  # generation's activations are MBs each: reuse them rather than page-fault
        classes = {"seq2seq": AutoModelForSeq2SeqLM, "causal": AutoModelForCausalLM}
        dtype = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16,
                 "float16": torch.float16, "int8": torch.float32}[self.dtype]
        source, options = self._source()
        unpack = _unpacked(options)
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **options)
            model = classes[self.kind].from_pretrained(source, dtype=dtype, **options, **unpack)
        except Exception as error:  # third-party loading code fails in many ways; none may crash the bot
            log.warning("model %s could not be loaded: %s", self.name, error)
            raise ModelUnavailable(
                f"The model {self.name} is not available offline ({type(error).__name__}): download it to a folder "
                "and set NEWSDESK_MODEL to that folder, or set NEWSDESK_ENGINE=extractive."
            ) from None
        if "gguf_file" in options:
            self._keep_converted(tokenizer, model)
        model.to(self.torch_device).eval()
        if self.greedy and self.kind == "seq2seq" and self.torch_device == "cpu":
            self.decoder = self._decoder(model)
        if self.dtype == "int8":
            model = self._quantized(model)
        log.info("loaded %s model %s on %s", self.kind, self.name, self.torch_device)
        return tokenizer, model

    def _decoder(self, model: Any) -> OnnxDecoder | None:
        """The decoder step in ONNX Runtime, exported before PyTorch quantises the model (from its float32 weights)."""
        try:
            return OnnxDecoder.build(model, self.cache / "onnx", int8=self.dtype == "int8")
        except DecoderDeclined as why:
            log.info("%s decodes with generate(): %s", self.name, why)
        except Exception as error:  # the exporter fails in many ways on models it was not written for
            log.warning("the decoder of %s could not be exported (%s: %s); it decodes with generate()", self.name,
                        type(error).__name__, error)
        return None

    def _quantized(self, model: Any) -> Any:
        """int8 dynamic quantisation of the linear layers: the cheap CPU win (a distilbart-shaped model writes
        60 tokens in ~1.5 s instead of ~4.6 s on 2 cores). CUDA has no such kernels: there it stays as loaded."""
        import torch

        if self.torch_device != "cpu":
            log.warning("NEWSDESK_DTYPE=int8 works on the CPU only; %s runs unquantised on %s", self.name,
                        self.torch_device)
            return model
        with warnings.catch_warnings():  # torch points at torchao for the future; this API is what ships today
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)

    def _source(self) -> tuple[str, dict[str, Any]]:
        path = Path(self.name).expanduser()
        if path.suffix.lower() == ".gguf":
            if not path.is_file():
                raise ModelUnavailable(f"There is no GGUF file at {path}: fix NEWSDESK_MODEL.")
            converted = self._converted_folder(path)
            if (converted / "config.json").is_file():
                return str(converted), {}
            return str(path.parent), {"gguf_file": path.name}
        if path.exists():
            return str(path), {}
        return self.name, {"local_files_only": True}

    @property
    def converted(self) -> Path | None:
        """Where the weights converted from a .gguf file are kept (None for other models)."""
        path = Path(self.name).expanduser()
        return self._converted_folder(path) if path.suffix.lower() == ".gguf" and path.is_file() else None

    def _converted_folder(self, gguf: Path) -> Path:
        stat = gguf.stat()
        digest = hashlib.sha256(f"{gguf.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        return self.cache / f"{gguf.stem}-{digest}"

    def _keep_converted(self, tokenizer: Any, model: Any) -> None:
        """Converting a GGUF file takes long: keep the converted weights for the next start."""
        folder = self._converted_folder(Path(self.name).expanduser())
        try:
            folder.mkdir(parents=True, exist_ok=True)
            model.save_pretrained(folder)
            tokenizer.save_pretrained(folder)
        except Exception as error:  # transformers 5 refuses to save some GGUF-loaded models; convert next time
            log.warning("could not keep the converted model in %s: %s", folder, error)
            shutil.rmtree(folder, ignore_errors=True)


def _unpacked(options: dict[str, Any]) -> dict[str, Any]:
    """For a .gguf file: unpack the weights into a plain model, which (unlike transformers' packed GGUF blocks)
    can be saved, so the slow conversion happens once and later starts read the kept folder."""
    if "gguf_file" not in options:
        return {}
    import transformers

    config = getattr(transformers, "GgufConfig", None)
    return {"quantization_config": config(dequantize=True)} if config is not None else {}
