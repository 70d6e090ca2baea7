"""Training the answer reader on SQuAD-format data: `newsdesk train reader --data FILE` (or `make reader`).

Pairs: the sentence that holds the answer (positive); the other sentences of its paragraph that share the most words
with the question, and the closest sentence of another paragraph of the same article (on topic, no answer: what
teaches abstaining); and the question with one of its names or numbers swapped for another of the article's, against
the answering sentence (SQuAD 2.0's kind of unanswerable question). Only the top layers and the head learn; the rest
of MiniLM stays as packaged. Everything is seeded.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cleaning import normalise
from bot.sentences import split_sentences

__all__ = ["Pair", "TrainReport", "reader_pairs", "train_reader"]

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:\s[A-Z][a-z]+)*|\d[\d,.]*)\b")
_COMMON = frozenset(re.findall(r"\w+", "the a an of in on at to for and or is was were are be by with as from "
                                       "that this which what who whom whose when where why how did does do it its "
                                       "his her their they he she"))


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    answers: float  # 1.0 when the sentence answers the question


@dataclass(frozen=True)
class TrainReport:
    pairs: int
    steps: int
    first_loss: float
    last_loss: float
    seconds: float
    path: Path


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - _COMMON


def reader_pairs(rows: Iterable[dict[str, Any]], *, questions: int, seed: int = 13) -> list[Pair]:
    """Training pairs for up to `questions` questions, drawn at random (seeded) from SQuAD-format paragraphs."""
    rng = random.Random(seed)
    paragraphs = [(row["title"], row["context"], row["qas"]) for row in rows]
    by_title: dict[str, list[int]] = defaultdict(list)
    for index, (title, _, _) in enumerate(paragraphs):
        by_title[title].append(index)
    split: dict[int, list[str]] = {}

    def sentences_of(index: int) -> list[str]:  # split on first use: pysbd over all 18,896 paragraphs takes minutes
        if index not in split:
            split[index] = split_sentences(normalise(paragraphs[index][1]))
        return split[index]

    asked = [(index, qa) for index, (_, _, qas) in enumerate(paragraphs) for qa in qas]
    rng.shuffle(asked)
    pairs: list[Pair] = []
    taken = 0
    for index, qa in asked:
        if taken >= questions:
            break
        title, sentences = paragraphs[index][0], sentences_of(index)
        question = " ".join(str(qa["question"]).split())
        holding = [i for i, s in enumerate(sentences) if any(a and a in s for a in qa["answers"])]
        if not holding or not question:
            continue  # the answer crosses a sentence boundary
        taken += 1
        asked_words = _words(question)
        positive = sentences[holding[0]]
        pairs.append(Pair(question, positive, 1.0))
        others = sorted((s for i, s in enumerate(sentences) if i not in holding),
                        key=lambda s: -len(asked_words & _words(s)))
        pairs += [Pair(question, s, 0.0) for s in others[:2]]
        elsewhere = [j for j in by_title[title] if j != index]
        if elsewhere:
            sample = [s for j in rng.sample(elsewhere, min(4, len(elsewhere))) for s in sentences_of(j)
                      if not any(a and a in s for a in qa["answers"])]  # on topic, without the answer
            if sample:
                pairs.append(Pair(question, max(sample, key=lambda s: len(asked_words & _words(s))), 0.0))
        swapped = _swapped(question, sentences, rng)
        if swapped is not None:
            pairs.append(Pair(swapped, positive, 0.0))
    return pairs


def _swapped(question: str, sentences: list[str], rng: random.Random) -> str | None:
    """The question with one name or number exchanged for another the paragraph mentions, or None."""
    own = [n for n in _NAME.findall(question) if not question.startswith(n) and n.split()[0].lower() not in _COMMON]
    if not own:
        return None
    candidates = sorted({n for s in sentences for n in _NAME.findall(s)} - set(own))
    candidates = [c for c in candidates if c.lower() not in question.lower() and c.split()[0].lower() not in _COMMON
                  and c[0].isdigit() == own[0][0].isdigit()]
    if not candidates:
        return None
    target = rng.choice(own)
    return question.replace(target, rng.choice(candidates), 1)


def read_squad(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def train_reader(data: Path, out: Path, *, questions: int = 20_000, layers: int = 2, batch: int = 32,
                 rate: float = 1e-4, seed: int = 13, threads: int | None = None,
                 steps: int | None = None) -> TrainReport:
    """Fine-tune the reader's top `layers` layers and head on pairs from `data`; write the changed weights to `out`
    (float16 safetensors). The loss is logged every 50 steps.

    Example:
        train_reader(Path("../shared/data/train/squad11_train.jsonl"), Path("bot/weights/reader.safetensors"))
    """
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    from bot.answer_reader import MAX_TOKENS, reader_network
    from bot.embedder import default_model_dir

    random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    pairs = reader_pairs(read_squad(data), questions=questions, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir())
    network = reader_network()
    learning = [f"encoder.encoder.layer.{n}." for n in range(network.encoder.config.num_hidden_layers - layers,
                                                             network.encoder.config.num_hidden_layers)] + ["head."]
    for name, parameter in network.named_parameters():
        parameter.requires_grad = any(name.startswith(prefix) for prefix in learning)
    trained = [p for p in network.parameters() if p.requires_grad]
    head = [p for name, p in network.named_parameters() if name.startswith("head.")]
    body = [p for name, p in network.named_parameters() if p.requires_grad and not name.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": rate}, {"params": head, "lr": rate * 20}],
                                  weight_decay=0.01)  # the head starts from nothing: it learns faster
    batches = _buckets(pairs, batch, random.Random(seed))[:steps]
    warm = max(1, min(100, len(batches) // 10))  # linear warm-up, then linear decay to zero
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warm) *
                                                 max(0.0, 1 - step / max(len(batches), 1)))
    loss_of = torch.nn.BCEWithLogitsLoss()
    network.train()
    started, losses = time.monotonic(), []
    for step, chunk in enumerate(batches):
        inputs = tokenizer([p.question for p in chunk], [p.sentence for p in chunk], padding=True,
                           truncation="only_second", max_length=MAX_TOKENS, return_tensors="pt")
        loss = loss_of(network(**inputs), torch.tensor([p.answers for p in chunk]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        optimizer.step()
        schedule.step()
        losses.append(float(loss.detach()))
        if step % 50 == 0 or step == len(batches) - 1:
            log.info("reader step %d/%d: loss %.4f (%.0f pairs/s)", step + 1, len(batches),
                     sum(losses[-50:]) / len(losses[-50:]), (step + 1) * batch / (time.monotonic() - started))
    changed = {name: tensor.detach().to(torch.float16).contiguous() for name, tensor in network.state_dict().items()
               if any(name.startswith(prefix) for prefix in learning)}
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(changed, str(out), metadata={"base": "all-MiniLM-L6-v2", "layers": str(layers),
                                           "questions": str(questions), "pairs": str(len(pairs)), "seed": str(seed)})
    window = max(1, len(losses) // 10)
    return TrainReport(len(pairs), len(batches), sum(losses[:window]) / window, sum(losses[-window:]) / window,
                       time.monotonic() - started, out)


def _buckets(pairs: list[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of pairs of similar length (less padding), in random order."""
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    batches: list[list[Pair]] = []
    for start in range(0, len(shuffled), size * 50):
        group = sorted(shuffled[start:start + size * 50], key=lambda p: len(p.question) + len(p.sentence))
        batches += [group[i:i + size] for i in range(0, len(group), size)]
    rng.shuffle(batches)
    return batches
