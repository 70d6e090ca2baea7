"""The engine protocol: every engine summarises an editorial and answers questions from editorials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.answer import Answer
from bot.reading.editorial import Editorial
from bot.summary import Summary

__all__ = ["Engine", "Indexed", "key_point_count"]


@dataclass(frozen=True)
class Indexed:
    """An editorial with its sentence vectors (one unit-length row per sentence), as the store keeps it."""

    editorial: Editorial
    vectors: np.ndarray


class Engine(Protocol):
    """What the core asks of a model. Engines are built by name from `bot.engines.ENGINES`."""

    name: str

    @property
    def model(self) -> str:
        """The model behind the engine, as replies and the audit record name it."""
        ...

    @property
    def version(self) -> str:
        """The method or prompt version, part of the audit record and of the summary cache key."""
        ...

    def warm_up(self) -> None:
        """Load what the engine needs now, so the first request after a start is as fast as the tenth."""
        ...

    def summarize(self, indexed: Indexed, length: str) -> Summary:
        """Summarise one editorial at `length` (short, medium or long)."""
        ...

    def key_sentences(self, indexed: Indexed, count: int) -> list[int]:
        """The `count` sentences (0-based, document order) a summary at that budget is made of."""
        ...

    def answer(self, question: str, library: Sequence[Indexed], abstain_below: float, across: bool) -> Answer:
        """Answer from one editorial, or from the whole `library` when `across` is true."""
        ...


def key_point_count(sentences: int, length: str) -> int:
    """How many key points a summary of this many sentences gets: 3-4 at medium length.

    A fourth key point in a medium summary is kept as often as the first three, a fifth less (the written roles' dev
    part, `newsdesk eval editorials --part dev`: key precision 42.1% at 3, 40.5 at 4, 37.6 at 5, the thesis in the
    summary 78.6, 83.3 and 83.3)."""
    low, high, per = {"short": (2, 3, 10), "medium": (3, 4, 6), "long": (5, 8, 4)}[length]
    return max(1, min(sentences - 1, max(low, min(high, round(sentences / per)))))
