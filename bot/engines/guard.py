"""The faithfulness guard: every sentence a generative engine writes is checked against the editorial.

A sentence is kept only when (1) some source sentence supports it, by embedding similarity and by word
overlap, and that sentence becomes its citation, and (2) every number, date and proper name in it appears in
the editorial. Everything else is dropped, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from bot.engines.base import Indexed
from bot.models.embedder import Embedder
from bot.reading.cleaning import normalise
from bot.reading.sentences import split_sentences
from bot.summary import Point

__all__ = ["Guard", "GuardResult"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*\d|\d")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_STOP = frozenset(STOPWORDS_EN) | {"editorial", "says", "said"}


@dataclass(frozen=True)
class GuardResult:
    """What the guard let through (with citations) and what it dropped (with reasons)."""

    kept: tuple[Point, ...]
    dropped: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"kept": [p.to_json() for p in self.kept],
                "dropped": [{"text": text, "reason": reason} for text, reason in self.dropped]}


def _key(word: str) -> str:
    """Compare words without case, possessives or trailing punctuation: "Karachi's" matches "Karachi"."""
    word = word.lower().replace("’", "'")
    return word.removesuffix("'s").removesuffix("'").strip(".,-")


class Guard:
    """Check generated text against an editorial.

    Example:
        result = Guard(embedder).check("The police ended the siege.", indexed)
        result.kept[0].sentence   ->  the number of the sentence that supports it
    """

    def __init__(self, embedder: Embedder, min_similarity: float = 0.55, min_overlap: float = 0.3) -> None:
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.min_overlap = min_overlap

    def check(self, text: str, indexed: Indexed) -> GuardResult:
        sentences = list(dict.fromkeys(split_sentences(normalise(text))))
        if not sentences:
            return GuardResult((), ())
        source = indexed.editorial.sentences
        source_words = {_key(w) for s in source for w in _WORD.findall(s)}
        source_numbers = {n.replace(",", "") for s in source for n in _NUMBER.findall(s)}
        similarity = self.embedder.encode(sentences) @ indexed.vectors.T
        kept: list[Point] = []
        dropped: list[tuple[str, str]] = []
        for row, sentence in enumerate(sentences):
            best = int(np.argmax(similarity[row]))
            reason = self._unsupported(sentence, source[best], float(similarity[row, best]), best + 1) \
                or _invented(sentence, source_words, source_numbers)
            if reason:
                dropped.append((sentence, reason))
            else:
                kept.append(Point(text=sentence, sentence=best + 1))
        return GuardResult(tuple(kept), tuple(dropped))

    def _unsupported(self, sentence: str, closest: str, similarity: float, number: int) -> str | None:
        words = {_key(w) for w in _WORD.findall(sentence)} - _STOP
        overlap = len(words & {_key(w) for w in _WORD.findall(closest)}) / max(len(words), 1)
        if similarity < self.min_similarity or overlap < self.min_overlap:
            return (f"no sentence of the editorial supports it (closest: sentence {number}, similarity "
                    f"{similarity:.2f}, word overlap {overlap:.2f})")
        return None


def _invented(sentence: str, source_words: set[str], source_numbers: set[str]) -> str | None:
    """A number, date or proper name that the editorial does not contain."""
    for number in _NUMBER.findall(sentence):
        if number.replace(",", "") not in source_numbers:
            return f"the number {number} is not in the editorial"
    tokens = _WORD.findall(sentence)
    for position, token in enumerate(tokens):
        named = token[0].isupper() and (position > 0 or token.isupper()) and _key(token) not in _STOP
        if named and _key(token) not in source_words:
            return f"the name {token} is not in the editorial"
    return None
