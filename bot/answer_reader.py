"""The answer reader: all-MiniLM-L6-v2 fine-tuned as a cross-encoder that reads a question and one sentence together
and scores whether the sentence answers it. A bi-encoder scores the two apart and cannot tell a sentence that
answers from one that merely shares the question's words; this can.

Only what training changes is written (`bot/weights/reader.safetensors`: the top layers and the head, float16), to be
laid over the packaged MiniLM at load time; `newsdesk train reader` (bot/training.py) makes it. Not yet part of the
answer path: trained as far as one session's CPU allowed, it ranked worse than the bi-encoder (docs/quality.md, "The
answer reader").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.embedder import default_model_dir

__all__ = ["READER_WEIGHTS", "AnswerReader", "reader_network"]

log = logging.getLogger(__name__)

READER_WEIGHTS = Path(__file__).resolve().parent / "weights" / "reader.safetensors"
MAX_TOKENS = 160  # question and sentence together; longer sentences are cut from their end
_BATCH = 32


def reader_network(base: Path | None = None) -> Any:
    """MiniLM with a one-logit head on its [CLS] state: (question, sentence) in, "does it answer" out."""
    import torch
    from transformers import AutoModel

    class _Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base or default_model_dir(), dtype=torch.float32)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, **inputs: Any) -> Any:
            # Mean over the tokens, as all-MiniLM-L6-v2 was trained to pool (its [CLS] state carries little).
            hidden = self.encoder(**inputs).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    return _Network()


class AnswerReader:
    """Scores (question, sentence) pairs; higher means the sentence answers the question. Loaded once, lazily.

    Example:
        reader = AnswerReader()
        reader.logits("Who ended the siege?", ["Sindh police officers ... put an end to Friday's siege."])
    """

    name = "newsdesk-reader-v1"

    def __init__(self, weights: Path = READER_WEIGHTS) -> None:
        self.weights = weights
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def logits(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """One score per sentence, in the order given (a logit: above 0 leans "answers")."""
        import torch

        tokenizer, network = self._load()
        scores = np.zeros(len(sentences), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(sentences), _BATCH):
                batch = list(sentences[start:start + _BATCH])
                inputs = tokenizer([question] * len(batch), batch, padding=True, truncation="only_second",
                                   max_length=MAX_TOKENS, return_tensors="pt")
                scores[start:start + len(batch)] = network(**inputs).float().numpy()
        return scores

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = _read(self.weights)
        return self._loaded


def _read(weights: Path) -> tuple[Any, Any]:
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    network = reader_network()
    changed = {name: tensor.float() for name, tensor in load_file(str(weights)).items()}
    missing = set(changed) - set(network.state_dict())
    if missing:
        raise ValueError(f"{weights.name} holds weights this network does not have: {sorted(missing)[:3]}")
    network.load_state_dict(changed, strict=False)
    network.eval()
    log.info("loaded the answer reader (%d tensors over all-MiniLM-L6-v2)", len(changed))
    return AutoTokenizer.from_pretrained(default_model_dir()), network
