"""`newsdesk train roles`: fit the sentence-role model (bot/engines/roles.py) on written roles. It lives with the
evaluations because it reads what they read: the written rows, their parts, the Webis file.

The rows are `bot/weights/editorials/roles-*.jsonl` (thesis, calls and key sentences per editorial, 1-based); only the
train part's editorials are read (`bot.evaluation.data.part`), so dev stays for choosing the
constants and kept for reporting. The editorials' texts and argument-unit labels come from the Webis file.

1. The argument-unit layer: per unit (anecdote, assumption, testimony, statistics), a logistic regression on the
   sentence vector of whether the Webis labels put that kind of unit in the sentence.
2. The thesis heads: a conditional logit over each editorial's full sentences (the chance that the best-scored sentence
   is a thesis one), on every feature but the vector; and another on those and how each sentence echoes the
   editorial's headline (`headline_features`), for editorials that come with one.
3. The call and key heads: logistic regressions on every feature.
Training takes about half a minute on 2 cores, most of it encoding the sentences; it is deterministic.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from bot.engines.roles import (
    HEADS,
    ROLE_WEIGHTS,
    UNITS,
    can_lead,
    headline_features,
    role_features,
    unit_probabilities,
)
from bot.errors import BadInput
from bot.evaluation.data import read_rows, written_rows
from bot.evaluation.metrics import logistic_fit
from bot.evaluation.roles import ROLE_FIELDS
from bot.models.embedder import Embedder
from bot.reading.editorial import Editorial

__all__ = ["ROLE_MODEL_NAME", "RoleReport", "run_role_training", "train_roles"]

ROLE_MODEL_NAME = "newsdesk-roles-v2"  # v2: the thesis head that reads the headline
# L2 strengths (times the squared coefficients, on standardised features), chosen on the dev part: strong, because
# 164 editorials are few for 416 features.
_UNIT_STRENGTH, _THESIS_STRENGTH, _CALL_STRENGTH, _KEY_STRENGTH = 5.0, 3.0, 170.0, 50.0
_UNIT_OVERLAP = 0.6  # an argument unit belongs to the sentence holding 60% or more of its words
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class RoleReport:
    editorials: int
    sentences: int
    seconds: float
    path: Path


@dataclass(frozen=True)
class _Labelled:
    sentences: tuple[str, ...]
    vectors: np.ndarray
    units: np.ndarray  # per sentence and unit: 1 when the Webis labels put such a unit in it
    headline: np.ndarray | None  # headline_features under the editorial's headline (its Webis title); None without
    roles: dict[str, np.ndarray]  # per head: 1 for the sentences written with that role


def train_roles(editorials: Path, labels: Path, out: Path, embedder: Embedder | None = None,
                among: Collection[str] | None = None) -> RoleReport:
    """Fit the role model on the train part of the roles written in `labels` (a folder of roles-*.jsonl), over the
    editorials of `editorials` (the Webis JSONL), and write it to `out`. `among`, the ids of the editorials to train
    on instead (bench/roles.py --folds: cross-validation over the train and dev parts).

    Example:
        train_roles(Path("../shared/data/eval/editorials_webis_coling20.jsonl"), Path("bot/weights/editorials"),
                    Path("bot/weights/roles.safetensors"))
    """
    started = time.perf_counter()
    rows, texts = written_rows(labels, "roles", ROLE_FIELDS, editorials, "train" if among is None else None)
    rows = [row for row in rows if among is None or str(row["editorial"]) in among]
    adus = {str(row["id"]): row.get("adus") or [] for row in read_rows(editorials, ("id", "article"))}
    embedder = embedder or Embedder()
    labelled = [_labelled(texts[str(row["editorial"])], row, adus[str(row["editorial"])], embedder) for row in rows]

    vectors = np.vstack([item.vectors for item in labelled])
    units = np.vstack([logistic_fit(vectors, np.concatenate([item.units[:, k] for item in labelled]), _UNIT_STRENGTH)
                       for k in range(len(UNITS))])
    features = [role_features(item.sentences, item.vectors, unit_probabilities(item.vectors, units))
                for item in labelled]
    stacked = np.vstack(features)
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    standard = [(f - mean) / scale for f in features]
    readable = stacked.shape[1] - vectors.shape[1]  # the thesis head's columns: all but the vector

    weights = {"units": units, "mean": mean, "scale": scale}
    thesis = _conditional_logit([(f[:, :readable], item.roles["thesis"], can_lead(item.sentences))
                                 for f, item in zip(standard, labelled, strict=True)], _THESIS_STRENGTH)
    weights["thesis"] = np.r_[thesis, np.zeros(vectors.shape[1]), 0.0]
    headlined = [(f, item, item.headline) for f, item in zip(standard, labelled, strict=True)
                 if item.headline is not None]
    echoes = np.vstack([headline for _, _, headline in headlined])
    weights["headline_mean"], weights["headline_scale"] = echoes.mean(axis=0), echoes.std(axis=0) + 1e-6
    weights["headlined"] = _conditional_logit(
        [(np.hstack([f[:, :readable], (headline - weights["headline_mean"]) / weights["headline_scale"]]),
          item.roles["thesis"], can_lead(item.sentences)) for f, item, headline in headlined], _THESIS_STRENGTH)
    for head, strength in (("call", _CALL_STRENGTH), ("key", _KEY_STRENGTH)):
        weights[head] = logistic_fit(np.vstack(standard), np.concatenate([item.roles[head] for item in labelled]),
                                     strength)
    card = {"name": ROLE_MODEL_NAME, "editorials": len(labelled), "sentences": int(stacked.shape[0]),
            "heads": list(HEADS), "units": list(UNITS), "features": int(stacked.shape[1])}
    _save(weights, card, out)
    return RoleReport(len(labelled), int(stacked.shape[0]), time.perf_counter() - started, out)


def _labelled(editorial: Editorial, row: dict[str, Any], adus: list[dict[str, Any]], embedder: Embedder) -> _Labelled:
    sentences = editorial.sentences
    count = len(sentences)

    def marked(numbers: Iterable[int]) -> np.ndarray:
        flags = np.zeros(count)
        flags[[n - 1 for n in numbers if 0 < n <= count]] = 1.0
        return flags

    roles = {"thesis": marked(row["thesis"]), "call": marked(row["calls"])}
    roles["key"] = np.maximum(marked(row["key"]), roles["thesis"])  # a thesis sentence is one an editor keeps
    vectors = embedder.encode(sentences)
    headline = None if editorial.headline is None else \
        headline_features(sentences, vectors, editorial.headline, embedder.encode([editorial.headline])[0])
    return _Labelled(sentences, vectors, _units(sentences, adus), headline, roles)


def _units(sentences: tuple[str, ...], adus: list[dict[str, Any]]) -> np.ndarray:
    """Which argument units of the Webis labels each sentence holds (one column per unit in UNITS)."""
    words = [set(_WORD.findall(s.lower())) for s in sentences]
    found = np.zeros((len(sentences), len(UNITS)))
    for unit in adus:
        label, own = str(unit.get("label")), set(_WORD.findall(str(unit.get("text", "")).lower()))
        if label not in UNITS or not own:
            continue
        overlap = [len(own & sentence) / len(own) for sentence in words]
        best = int(np.argmax(overlap))
        if overlap[best] >= _UNIT_OVERLAP:
            found[best, UNITS.index(label)] = 1.0
    return found


def _conditional_logit(groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]], strength: float) -> np.ndarray:
    """Weights w (then a zero intercept) that make each group's thesis sentences likely under a softmax of x @ w over
    its usable sentences: (features, thesis flags, usable) per editorial."""
    columns = groups[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = strength * float(w @ w), 2 * strength * w
        for x, thesis, usable in groups:
            wanted = (thesis > 0) & usable
            if not wanted.any():
                continue
            z = np.where(usable, x @ w, -np.inf)
            p = np.exp(z - z.max())
            p /= p.sum()
            hit = p * wanted
            value -= float(np.log(hit.sum()))
            gradient -= x.T @ (hit / hit.sum() - p)
        return value, gradient

    return np.asarray(minimize(loss, np.zeros(columns), jac=True, method="L-BFGS-B").x)


def _save(weights: dict[str, np.ndarray], card: dict[str, Any], out: Path) -> None:
    from safetensors.numpy import save_file

    out.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}, str(out),
              metadata={"card": json.dumps(card)})


def run_role_training(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """`newsdesk train roles` as `args` say; what to print, as JSON and as text."""
    if args.editorials is None:
        raise BadInput("`newsdesk train roles` needs --editorials editorials_webis_coling20.jsonl (the texts the "
                       "written roles are about).")
    report = train_roles(args.editorials, args.labels, args.out or ROLE_WEIGHTS)
    return ({"editorials": report.editorials, "sentences": report.sentences, "seconds": report.seconds,
             "weights": str(report.path)},
            f"Trained the sentence roles on {report.editorials} editorials ({report.sentences:,} sentences) in "
            f"{report.seconds:.0f} s; weights in {report.path}.")
