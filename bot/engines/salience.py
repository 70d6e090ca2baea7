"""What the summary picks: how much each sentence carries the whole (salience), the TL;DR and the key points from
salience and the sentence roles, and key points that do not repeat each other."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engines.lexical import leans_back, lexical_centrality
from bot.engines.ranking import asked_back
from bot.engines.roles import MIN_WORDS, Roles, can_lead

__all__ = ["diverse", "lead_and_key", "salience", "tldr_of"]

# Salience weights, chosen on the development data (docs/quality.md has the runs).
_POSITION, _POSITION_DECAY, _LEXICAL, _LENGTH = 0.3, 4.0, 0.3, 0.1
# The role model was trained on editorials, and its key sentences are not a news report's (CNN/DailyMail ROUGE-2
# 10.2 by them alone against 15.7 by salience). So its thesis and key scores, standardised, are added to salience
# with a weight that rises from 0 for a text that argues no more than _REPORT (`Roles.argues`) to 1 at _ARGUMENT,
# times _THESIS_WEIGHT and _KEY_WEIGHT standard deviations of salience: a report is summarised as before, an
# editorial by its roles. Chosen on the written roles' dev part and the news sets' development halves (a _KEY_WEIGHT
# of 3 raises key precision by 2 points in `bench/roles.py --folds` but costs BBC 0.9 ROUGE-2 and CNN/DailyMail 0.4).
_REPORT, _ARGUMENT, _THESIS_WEIGHT, _KEY_WEIGHT = 0.3, 0.5, 8.0, 1.0
# Each key point loses _REDUNDANCY times its cosine with the closest sentence already chosen.
_REDUNDANCY = 0.15


def lead_and_key(sentences: Sequence[str], vectors: np.ndarray, roles: Roles) -> tuple[np.ndarray, np.ndarray]:
    """How well each sentence would lead the summary (it states the thesis, and carries the whole), and how much
    it belongs among the key points (an editor would keep it, and it carries the whole)."""
    scores = salience(sentences, vectors)
    weight = float(np.clip((roles.argues - _REPORT) / (_ARGUMENT - _REPORT), 0.0, 1.0)) * float(scores.std())
    standalone = scores - 0.1 * np.array([leans_back(s) for s in sentences])
    return (standalone + weight * _THESIS_WEIGHT * _standard(roles.thesis),
            scores + weight * _KEY_WEIGHT * _standard(roles.key))


def tldr_of(sentences: Sequence[str], lead: np.ndarray) -> int:
    """The summary's lead: of the sentences that can lead, the one with the best `lead` score."""
    return int(np.argmax(np.where(can_lead(sentences), lead, -np.inf)))


def salience(sentences: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """How much each sentence carries the whole.

    Measured on the development half of ../shared/data/eval (docs/quality.md): closeness to the embedding
    centroid, plus lexical centrality (TF-IDF), plus an early-position prior (news and editorials both put
    the point first), plus a small preference for full-length sentences; fragments and questions lose.
    """
    count = len(sentences)
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    words = np.array([len(sentence.split()) for sentence in sentences])
    scores = (
        vectors @ centroid
        + _POSITION * np.exp(-np.arange(count) / _POSITION_DECAY)
        + _LEXICAL * lexical_centrality(sentences)
        + _LENGTH * np.minimum(words, 25) / 25
    )
    scores -= 0.2 * (words < MIN_WORDS)
    scores -= 0.1 * asked_back(sentences)
    return np.asarray(scores)


def _standard(scores: np.ndarray) -> np.ndarray:
    """Scores as standard deviations from their editorial's mean."""
    return np.asarray((scores - scores.mean()) / (scores.std() + 1e-9))


def diverse(pool: list[int], scores: np.ndarray, vectors: np.ndarray, wanted: int, chosen: list[int]) -> list[int]:
    """Maximal marginal relevance: salient sentences that do not repeat what is already chosen."""
    picked: list[int] = []
    candidates = list(pool)
    while candidates and len(picked) < wanted:
        taken = chosen + picked
        redundancy = (vectors[candidates] @ vectors[taken].T).max(axis=1) if taken else np.zeros(len(candidates))
        best = max(range(len(candidates)), key=lambda k: scores[candidates[k]] - _REDUNDANCY * redundancy[k])
        picked.append(candidates.pop(best))
    return picked
