"""The hybrid ranking of sentences against a question (the bi-encoder, BM25, word coverage and answer type), the
sentences that answer nothing on their own, and answer types: what the extractive engine re-reads with the answer
reader, or answers from alone without one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engines.answer_types import asked_type, is_heading, supplies
from bot.engines.lexical import (
    asks_for_date,
    asks_for_demands,
    asks_for_number,
    bm25_scores,
    coverage,
    has_date,
    has_number,
    is_demand,
)

__all__ = ["ASKED_BACK", "TYPE_SHARE", "asked_back", "by_ranking", "hybrid_ranking", "mismatches", "under_headings",
           "unquotable"]

_ANSWER_BM25, _ANSWER_COVERAGE, _ANSWER_TYPE, _ANSWER_DEMAND = 0.05, 0.5, 0.1, 0.2
# A sentence that is itself a question (an editorial's rhetorical "Why would an anti-bullying advocate want Rice to
# have a second chance?") restates the question instead of answering it, and a subheading ("Tarnished credibility.")
# names what follows without saying it: either is quoted only when every candidate is one.
ASKED_BACK = 100.0
# A sentence without the number, date, name or place a question asks for keeps this share of its confidence.
TYPE_SHARE = 0.6


def asked_back(sentences: Sequence[str]) -> np.ndarray:
    """1.0 for each sentence that is itself a question (ending with "?", not with a quoted title like "Naked?\"")."""
    return np.array([float(s.rstrip().endswith("?")) for s in sentences])


def under_headings(scores: np.ndarray, top: np.ndarray, candidates: Sequence[str]) -> np.ndarray:
    """A subheading names what the sentence after it says: that sentence scores at least what its heading does."""
    scores = scores.copy()
    where = {int(i): k for k, i in enumerate(top)}
    for k, i in enumerate(top):
        after = where.get(int(i) + 1)
        if after is not None and is_heading(candidates[k]):
            scores[after] = max(scores[after], scores[k])
    return scores


def unquotable(sentences: Sequence[str]) -> np.ndarray:
    """1.0 for each sentence that answers nothing on its own: a question asked back, or a subheading."""
    return np.maximum(asked_back(sentences), np.array([float(is_heading(s)) for s in sentences]))


def mismatches(question: str, sentences: Sequence[str]) -> np.ndarray:
    """1.0 for each sentence that does not supply the number, date, name or place the question asks for (one the
    question does not already hold), or supplies one but shares no word with the question (a number about something
    else: "12 per cent" of budgets, asked how much the governor weighs), else 0.0."""
    kind = asked_type(question)
    if kind is None:
        return np.zeros(len(sentences))
    shares = coverage(question, sentences) > 0 if coverage(question, [question])[0] > 0 else np.ones(len(sentences))
    return np.array([float(not (supplies(question, s, kind) and shared)) for s, shared in zip(sentences, shares,
                                                                                            strict=True)])


def by_ranking(question: str, sentences: Sequence[str], similarity: np.ndarray, ranking: np.ndarray,
                demands: np.ndarray) -> tuple[np.ndarray, float]:
    """Without the reader: the hybrid ranking's order; the top sentence's cosine as the confidence (of the signals
    measured, it separates answerable questions best: docs/quality.md)."""
    order = np.argsort(-(ranking - ASKED_BACK * unquotable(sentences)), kind="stable")
    best = int(order[0])
    confidence = float(similarity[best]) + _ANSWER_DEMAND * float(demands[best])
    confidence *= TYPE_SHARE if mismatches(question, [sentences[best]])[0] else 1.0
    return order, confidence


def hybrid_ranking(question: str, sentences: Sequence[str], similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How well each sentence matches the question by the bi-encoder, BM25, word coverage and answer type, and
    which sentences are demands a "what does it call for" question asks for (1.0) or not (0.0)."""
    lexical = bm25_scores(question, sentences)
    lexical_share = lexical / lexical.max() if lexical.max() > 0 else lexical
    wants_number, wants_date = asks_for_number(question), asks_for_date(question)
    fits = np.array([(wants_number and has_number(s)) or (wants_date and has_date(s)) for s in sentences])
    demands = np.array([float(is_demand(s)) for s in sentences]) if asks_for_demands(question) \
        else np.zeros(len(sentences))
    ranking = (similarity + _ANSWER_BM25 * lexical_share + _ANSWER_COVERAGE * coverage(question, sentences)
               + _ANSWER_TYPE * fits + _ANSWER_DEMAND * demands)
    return under_headings(ranking, np.arange(len(sentences)), sentences), demands
