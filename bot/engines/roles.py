"""Sentence roles: which sentences of an editorial state its thesis, which are its own calls to action, and which an
editor would keep in a summary of the argument.

A linear model (`bot/weights/roles.safetensors`, 15 KB of float32; model card in `bot/weights/ROLES.md`) over each
sentence's MiniLM vector and a few plain features: where it stands, how central it is, whether it demands, quotes,
reports or asks, says "I" or "we", and what kind of argument unit it reads as (anecdote, assumption, testimony,
statistics: a first layer trained on the Webis editorials' own argument-unit labels). The thesis head sees the plain
features only (with the vector it learnt the training editorials by heart) and was fitted to pick one sentence per
editorial; when the editorial came with a headline, a second thesis head also reads how closely each sentence echoes
it (a headline names what the piece argues). The call and key heads score each sentence. Trained by `newsdesk train
roles` on the labels written in `bot/weights/editorials/roles-*.jsonl` (train part). numpy only: no torch on the
summary's path.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.engines.lexical import coverage, is_demand, leans_back, lexical_centrality
from bot.engines.ranking import asked_back

__all__ = ["HEADS", "MIN_WORDS", "ROLE_WEIGHTS", "UNITS", "RoleModel", "Roles", "can_lead", "headline_features",
           "plain_features", "role_features", "unit_probabilities"]

ROLE_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "roles.safetensors"
HEADS = ("thesis", "call", "key")
UNITS = ("anecdote", "assumption", "testimony", "statistics")  # the Webis argument units the first layer reads

_MODAL = re.compile(r"\b(should|must|ought|needs?|time to)\b", re.IGNORECASE)
_QUOTES = re.compile(r"[“\"][^”\"]*[”\"]")
_WRITER = re.compile(r"\b(I|we|us|our|my)\b")
_READER = re.compile(r"\b(you|your)\b", re.IGNORECASE)
_REPORTS = re.compile(r"\b(said|says|told|according to|claimed|argued|stated)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
MIN_WORDS = 6  # a full sentence has at least this many words


@dataclass(frozen=True)
class Roles:
    """Per sentence (0-based, in editorial order): how much it states the thesis and how much it is a sentence an
    editor would keep (scores to rank by, within one editorial), and how likely it is the editorial's own call
    (0-1). And how much the whole text argues rather than reports: the share of its sentences read as assumptions
    less the share read as anecdote (the Webis argument units)."""

    thesis: np.ndarray
    call: np.ndarray
    key: np.ndarray
    argues: float


def can_lead(sentences: Sequence[str]) -> np.ndarray:
    """Which sentences can lead a summary: full ones (6 words or more) that are not questions; all of them when none
    is."""
    usable = np.array([len(s.split()) >= MIN_WORDS for s in sentences]) & (asked_back(sentences) == 0)
    return usable if usable.any() else np.ones(len(sentences), dtype=bool)


def plain_features(sentences: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """The features of each sentence that are not its vector nor its argument units: position, centrality, length,
    and what its words do (demand, quote, report, ask, say "I" or "you", give a number)."""
    count = len(sentences)
    place = np.arange(count, dtype=np.float64)
    centroid = vectors.mean(axis=0)
    centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-9)
    words = np.array([len(s.split()) for s in sentences], dtype=np.float64)
    neighbours = (vectors[1:] * vectors[:-1]).sum(axis=1) if count > 1 else np.zeros(0)

    def flags(pattern: re.Pattern[str]) -> list[bool]:
        return [bool(pattern.search(s)) for s in sentences]

    columns = [
        vectors @ centroid, lexical_centrality(sentences), place / max(count - 1, 1), np.exp(-place / 4),
        np.exp(-(count - 1 - place) / 4), place == 0, place == count - 1, np.minimum(words, 40) / 40,
        words < MIN_WORDS, asked_back(sentences), [leans_back(s) for s in sentences],
        [is_demand(s) for s in sentences], flags(_MODAL), flags(_QUOTES), flags(_WRITER), flags(_READER),
        flags(_REPORTS), flags(_DIGIT), np.r_[0.0, neighbours], np.r_[neighbours, 0.0],
        vectors @ vectors[0], vectors @ vectors[-1],
    ]
    return np.column_stack([np.asarray(column, dtype=np.float64) for column in columns])


def unit_probabilities(vectors: np.ndarray, units: np.ndarray) -> np.ndarray:
    """How likely each sentence holds each argument unit of UNITS (`units`: the first layer's weights, one row per
    unit, its bias last)."""
    return np.asarray(1.0 / (1.0 + np.exp(-(vectors @ units[:, :-1].T + units[:, -1]))))


def role_features(sentences: Sequence[str], vectors: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Every feature the heads read: the plain ones, the argument-unit probabilities (`unit`, from
    `unit_probabilities`), some of them again relative to the rest of the editorial, and the vector."""
    plain = plain_features(sentences, vectors)
    relative = [_within(plain[:, 0]), _within(plain[:, 1]), _within(plain[:, -2]), _within(plain[:, -1]),
                _within(unit[:, 0]), _within(unit[:, 1])]
    return np.hstack([plain, unit, np.column_stack(relative), vectors])


def headline_features(sentences: Sequence[str], vectors: np.ndarray, headline: str,
                      headline_vector: np.ndarray) -> np.ndarray:
    """How closely each sentence echoes the headline: its cosine with the headline's vector and the share of the
    headline's content words it holds, each also relative to the rest of the editorial."""
    cosine, words = vectors @ headline_vector, coverage(headline, sentences)
    return np.column_stack([cosine, _within(cosine), words, _within(words)])


def _within(column: np.ndarray) -> np.ndarray:
    """What stands out in this editorial, whatever its register: the column in standard deviations from its mean."""
    return np.asarray((column - column.mean()) / (column.std() + 1e-6))


class RoleModel:
    """Reads the roles of an editorial's sentences. Loaded once, lazily, thread-safely.

    Example:
        roles = RoleModel().read(editorial.sentences, embedder.encode(editorial.sentences))
        tldr = int(np.argmax(roles.thesis))
    """

    def __init__(self, weights: Path = ROLE_WEIGHTS) -> None:
        self.weights = weights
        self._lock = threading.Lock()
        self._loaded: dict[str, np.ndarray] | None = None
        self._name = ""

    @property
    def name(self) -> str:
        self._load()
        return self._name

    def read(self, sentences: Sequence[str], vectors: np.ndarray,
             headline: tuple[str, np.ndarray] | None = None) -> Roles:
        """The roles of `sentences`, whose unit-length MiniLM vectors are `vectors` (one row each), under
        `headline` (its text and vector) when the editorial came with one."""
        weights = self._load()
        unit = unit_probabilities(vectors, weights["units"])
        features = (role_features(sentences, vectors, unit) - weights["mean"]) / weights["scale"]

        def head(name: str) -> np.ndarray:
            return np.asarray(features @ weights[name][:-1] + weights[name][-1])

        thesis = head("thesis")
        if headline is not None:
            echoes = (headline_features(sentences, vectors, *headline) - weights["headline_mean"]) \
                / weights["headline_scale"]
            thesis = np.hstack([features[:, :-vectors.shape[1]], echoes]) @ weights["headlined"]

        # Webis editorials average 0.47 (5% under 0.17); the news sets' development halves 0.11-0.26
        argues = float(unit[:, UNITS.index("assumption")].mean() - unit[:, UNITS.index("anecdote")].mean())
        return Roles(thesis=thesis, call=1.0 / (1.0 + np.exp(-head("call"))), key=head("key"), argues=argues)

    def _load(self) -> dict[str, np.ndarray]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    from safetensors import safe_open

                    with safe_open(str(self.weights), framework="numpy") as stored:
                        self._name = json.loads(stored.metadata().get("card", "{}")).get("name", "newsdesk-roles")
                        self._loaded = {k: stored.get_tensor(k).astype(np.float64) for k in stored.keys()}  # noqa: SIM118
        return self._loaded

