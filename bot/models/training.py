"""Training the answer reader on SQuAD-format data: `newsdesk train reader --data FILE` (or `make reader`).

Each question makes a group of sentences the reader scores together, with "none of these" as one more choice whose
score is fixed at 0 (so a score above 0 means "this sentence answers"): the sentence that holds the answer, the three
other sentences of its paragraph sharing most words with the question, and the closest answer-free sentence of another
paragraph of the same article. Some questions also make groups whose answer is "none": the question made unanswerable
the ways SQuAD 2.0's writers did it (bot/models/unanswerable.py: a name or number swapped, the question turned to ask
the opposite, a contrary word, a related name, two words exchanged, the answer put in a name's place, a shared negation
taken out) against the answering sentence, the question against its answering sentence with the answer taken out,
and the question against another paragraph's closest sentences (on topic, no answer). The loss is the group's
cross-entropy plus each sentence's own yes/no. The word embeddings stay as packaged; all is seeded."""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import BadInput
from bot.models.embedder import default_model_dir
from bot.models.unanswerable import WordVectors, affirmed, contrary, exchanged, replaced, swapped, words
from bot.models.unanswerable import inverted as invert
from bot.models.unanswerable import turned as turn
from bot.models.unanswerable import unanswered as without_answer
from bot.reading.cleaning import normalise
from bot.reading.sentences import split_sentences

__all__ = ["Group", "TrainReport", "average_weights", "read_squad", "reader_groups", "train_reader"]

log = logging.getLogger(__name__)

SWAPPED_SHARE = 0.5  # of the questions that can be swapped, how many are
ELSEWHERE_SHARE = 0.25  # of the questions, how many are also asked of another paragraph
TURNED_SHARE = 0.5  # of the questions that can be turned (an antonym, a negation), how many are
# of the questions that can be rewritten each other way (bot/models/unanswerable.py), how many are
REWRITTEN_SHARE = 0.5
INVERTED_SHARE = 0.0  # of the questions that can be inverted (or their negation taken out), how many are
UNANSWERED_SHARE = 0.0  # of the answering sentences that can lose their answer, how many are asked without it


@dataclass(frozen=True)
class Group:
    question: str
    sentences: tuple[str, ...]
    answer: int  # the index of the answering sentence; -1 when none answers


@dataclass(frozen=True)
class TrainReport:
    groups: int
    pairs: int
    steps: int
    first_loss: float
    last_loss: float
    seconds: float
    path: Path


def reader_groups(rows: Iterable[dict[str, Any]], *, questions: int, seed: int = 13,
                  turned: float = TURNED_SHARE, rewritten: float = REWRITTEN_SHARE,
                  inverted: float = INVERTED_SHARE, unanswered: float = UNANSWERED_SHARE) -> list[Group]:
    """Training groups for up to `questions` questions, drawn at random (seeded) from SQuAD-format paragraphs (a
    question with no answers is unanswerable, as in SQuAD 2.0: its group is its paragraph's closest sentences);
    `turned` of the questions that can be turned also make a turned group, `rewritten` of those that can be
    rewritten each other way (a contrary word, a related word, two words exchanged) a group for each, and `inverted`
    of those that can be inverted or affirmed one for each, and `unanswered` of the questions whose answering
    sentence can lose its answer are asked of it without (0: none, and the draws stay as before those groups
    existed)."""
    rng = random.Random(seed)
    vectors = WordVectors(default_model_dir()) if rewritten else None
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
    groups: list[Group] = []
    taken = 0
    for index, qa in asked:
        if taken >= questions:
            break
        title, sentences = paragraphs[index][0], sentences_of(index)
        question = " ".join(str(qa["question"]).split())
        if not qa["answers"] and question:  # unanswerable (SQuAD 2.0's kind): none of its closest sentences answers
            taken += 1
            groups.append(Group(question, tuple(_closest(words(question), sentences, 4)), -1))
            continue
        holding = [i for i, s in enumerate(sentences) if any(a and a in s for a in qa["answers"])]
        if not holding or not question:
            continue  # the answer crosses a sentence boundary
        taken += 1
        asked_words = words(question)
        positive = sentences[holding[0]]
        answer = next(a for a in qa["answers"] if a and a in positive)
        others = _closest(asked_words, [s for i, s in enumerate(sentences) if i not in holding], 3)
        elsewhere = [s for j in rng.sample(by_title[title], min(5, len(by_title[title]))) if j != index
                     for s in sentences_of(j) if not any(a and a in s for a in qa["answers"])]
        groups.append(Group(question, (positive, *others, *_closest(asked_words, elsewhere, 1)), 0))
        changed = swapped(question, sentences, rng)
        if changed is not None and rng.random() < SWAPPED_SHARE:
            groups.append(Group(changed, (positive, *others[:1]), -1))
        changed = turn(question, rng) if turned else None
        if changed is not None and rng.random() < turned:
            groups.append(Group(changed, (positive, *others[:1]), -1))
        if elsewhere and rng.random() < ELSEWHERE_SHARE:
            groups.append(Group(question, tuple(_closest(asked_words, elsewhere, 2)), -1))
        if vectors is not None:
            for changed in (contrary(question, rng), replaced(question, positive, sentences, vectors, rng),
                            exchanged(question, positive, vectors, rng)):
                if changed is not None and rng.random() < rewritten:
                    groups.append(Group(changed, (positive, *others[:1]), -1))
        if inverted:
            for changed in (invert(question, answer, positive, rng), affirmed(question, positive)):
                if changed is not None and rng.random() < inverted:
                    groups.append(Group(changed, (positive, *others[:1]), -1))
        if unanswered:
            without = without_answer(positive, answer, question)
            if without is not None and rng.random() < unanswered:
                groups.append(Group(question, (without, *others[:1]), -1))
    return groups


def _closest(asked: set[str], candidates: list[str], n: int) -> list[str]:
    """The `n` candidates sharing most words with the question (first come first on a tie)."""
    return sorted(candidates, key=lambda s: -len(asked & words(s)))[:n]


def read_squad(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def train_reader(data: Path | Sequence[Path], out: Path, *, questions: int | Sequence[int] = 7_000, layers: int = 6,
                 batch: int = 32, rate: float = 5e-5, seed: int = 13, threads: int | None = None,
                 steps: int | None = None, every: int = 250, start: Path | None = None, turned: float = TURNED_SHARE,
                 rewritten: float = REWRITTEN_SHARE, inverted: float = INVERTED_SHARE,
                 unanswered: float = UNANSWERED_SHARE) -> TrainReport:
    """Fine-tune the reader's top `layers` layers and head on groups from `data` (up to `questions` from each
    file, or one count per file in order); write the changed weights to `out`
    (float16 safetensors) every `every` steps and at the end, so a stopped run leaves its last checkpoint. The loss is
    logged every 50 steps. `start` continues from trained weights (its head then learns at the body's rate);
    `steps` stops after that many steps, with the learning rate where the whole run would have it.

    Example:
        train_reader(Path("../shared/data/train/squad11_train.jsonl"), Path("bot/weights/reader.safetensors"))
    """
    import torch
    from transformers import AutoTokenizer

    from bot.models.answer_reader import MAX_TOKENS, load_network, reader_network

    files = [data] if isinstance(data, Path) else list(data)
    counts = [questions] if isinstance(questions, int) else list(questions)
    if len(counts) == 1:
        counts *= len(files)
    if len(counts) != len(files):
        raise BadInput(f"{len(counts)} question counts for {len(files)} data files: give one, or one per file.")
    random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    groups = [group for path, count in zip(files, counts, strict=True) for group in
              reader_groups(read_squad(path), questions=count, seed=seed, turned=turned, rewritten=rewritten,
                            inverted=inverted, unanswered=unanswered)]
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir())
    network = load_network(start) if start else reader_network()
    count = network.encoder.config.num_hidden_layers
    learning = [f"encoder.encoder.layer.{n}." for n in range(count - layers, count)] + ["head."]
    for name, parameter in network.named_parameters():
        parameter.requires_grad = any(name.startswith(prefix) for prefix in learning)
    trained = [p for p in network.parameters() if p.requires_grad]
    head = [p for name, p in network.named_parameters() if name.startswith("head.")]
    body = [p for name, p in network.named_parameters() if p.requires_grad and not name.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": rate}, {"params": head, "lr": rate * (1 if start else 20)}],
                                  weight_decay=0.01)  # a head that starts from nothing learns faster
    planned = _batches(groups, batch, random.Random(seed))
    warm = max(1, min(100, len(planned) // 10))  # linear warm-up, then linear decay to zero over the whole plan
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warm) *
                                                 max(0.0, 1 - step / max(len(planned), 1)))
    batches = planned[:steps]  # a run stopped early, on the full run's schedule
    meta = {"base": "all-MiniLM-L6-v2", "data": " ".join(path.name for path in files), "layers": str(layers),
            "questions": " ".join(str(count) for count in counts),
            "groups": str(len(groups)), "seed": str(seed), "rate": str(rate), "start": start.name if start else "",
            "turned": str(turned), "rewritten": str(rewritten), "inverted": str(inverted),
            "unanswered": str(unanswered)}
    network.train()
    started, losses, pairs = time.monotonic(), [], 0
    for step, chunk in enumerate(batches):
        flat = [(g.question, s) for g in chunk for s in g.sentences]
        inputs = tokenizer([q for q, _ in flat], [s for _, s in flat], padding=True, truncation="only_second",
                           max_length=MAX_TOKENS, return_tensors="pt")
        loss = _group_loss(network(**inputs), chunk)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        optimizer.step()
        schedule.step()
        losses.append(float(loss.detach()))
        pairs += len(flat)
        if step % 50 == 0 or step == len(batches) - 1:
            log.info("reader step %d/%d: loss %.4f (%.0f pairs/s)", step + 1, len(batches),
                     sum(losses[-50:]) / len(losses[-50:]), pairs / (time.monotonic() - started))
        if (step + 1) % every == 0 or step == len(batches) - 1:
            _save(network, learning, out, {**meta, "steps": str(step + 1)})
    window = max(1, len(losses) // 10)
    return TrainReport(len(groups), pairs, len(batches), sum(losses[:window]) / window,
                       sum(losses[-window:]) / window, time.monotonic() - started, out)


def _group_loss(logits: Any, groups: list[Group]) -> Any:
    """Each group's cross-entropy over its sentences and "none" (a logit of 0), plus each sentence's yes/no."""
    import torch

    losses, start = [], 0
    for group in groups:
        scores = torch.cat([logits.new_zeros(1), logits[start:start + len(group.sentences)]])
        losses.append(torch.logsumexp(scores, 0) - scores[group.answer + 1])
        start += len(group.sentences)
    labels = torch.tensor([1.0 if i == g.answer else 0.0 for g in groups for i in range(len(g.sentences))])
    return torch.stack(losses).mean() + 0.5 * torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)


def average_weights(sources: Sequence[Path], out: Path) -> Path:
    """The mean of trained weights files (the same tensors in each), float16, as `out`: runs that learnt different
    things, averaged, keep much of each (the shipped reader is v4's and v8's mean: bot/weights/README.md)."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file

    loaded = [load_file(str(path)) for path in sources]
    if any(set(weights) != set(loaded[0]) for weights in loaded):
        raise ValueError("the weights files hold different tensors: " + ", ".join(path.name for path in sources))
    mean = {name: (torch.stack([weights[name].float() for weights in loaded]).mean(dim=0)).to(torch.float16)
            .contiguous() for name in loaded[0]}
    with safe_open(str(sources[-1]), "pt") as last:
        meta = dict(last.metadata() or {})
    meta["averaged"] = " ".join(path.name for path in sources)
    _write(mean, out, meta)
    return out


def _save(network: Any, learning: list[str], out: Path, meta: dict[str, str]) -> None:
    import torch

    changed = {name: tensor.detach().to(torch.float16).contiguous() for name, tensor in network.state_dict().items()
               if any(name.startswith(prefix) for prefix in learning)}
    _write(changed, out, meta)


def _write(tensors: dict[str, Any], out: Path, meta: dict[str, str]) -> None:
    """Save safetensors whole or not at all: to a side file first, then moved into place."""
    from safetensors.torch import save_file

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    save_file(tensors, str(partial), metadata=meta)
    partial.replace(out)


def _batches(groups: list[Group], size: int, rng: random.Random) -> list[list[Group]]:
    """Batches of about `size` sentences, from groups of similar length (less padding), in random order."""
    shuffled = list(groups)
    rng.shuffle(shuffled)
    batches: list[list[Group]] = []
    for start in range(0, len(shuffled), size * 10):
        window = sorted(shuffled[start:start + size * 10],
                        key=lambda g: len(g.question) + max(len(s) for s in g.sentences))
        chunk: list[Group] = []
        for group in window:
            chunk.append(group)
            if sum(len(g.sentences) for g in chunk) >= size:
                batches.append(chunk)
                chunk = []
        if chunk:
            batches.append(chunk)
    rng.shuffle(batches)
    return batches
