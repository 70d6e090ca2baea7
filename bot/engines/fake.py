"""A fake engine for core tests: no model, fully predictable, and still honest about its sources.

It summarises with the opening sentences and answers with the sentence sharing the most words with
the question, so tests of commands, storage and adapters run in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answer import NOT_SAID, Answer, Citation
from bot.engines.base import Indexed, key_point_count
from bot.reading.editorial import Editorial
from bot.summary import Point, Summary

__all__ = ["FakeEngine"]

_WORD = re.compile(r"[a-z0-9]+")


class FakeEngine:
    """First sentence as TL;DR, the next ones as key points, word overlap for answers."""

    name = "fake"
    version = "fake-v1"
    model = "none"

    def warm_up(self) -> None:
        """Nothing to load."""

    def summarize(self, indexed: Indexed, length: str) -> Summary:
        sentences = indexed.editorial.sentences
        count = key_point_count(len(sentences), length)
        points = tuple(Point(text=sentences[i], sentence=i + 1) for i in range(1, min(len(sentences), count + 1)))
        return Summary(editorial=indexed.editorial, tldr=Point(text=sentences[0], sentence=1), key_points=points,
                       calls_to_action=(), engine=self.name, model=self.model, length=length)

    def key_sentences(self, indexed: Indexed, count: int) -> list[int]:
        return list(range(min(count, len(indexed.editorial.sentences))))

    def answer(self, question: str, library: Sequence[Indexed], abstain_below: float, across: bool) -> Answer:
        asked = set(_WORD.findall(question.lower()))

        def overlap(candidate: tuple[Editorial, int]) -> float:
            words = set(_WORD.findall(candidate[0].sentences[candidate[1]].lower()))
            return len(asked & words) / max(len(asked), 1)

        editorial, number = max(((item.editorial, n) for item in library
                                 for n in range(len(item.editorial.sentences))), key=overlap)
        score = overlap((editorial, number))
        abstained = score < abstain_below
        citation = Citation(sentence=number + 1, text=editorial.sentences[number], editorial=editorial)
        return Answer(question=question, answer=NOT_SAID if abstained else citation.text, abstained=abstained,
                      score=score, citations=(citation,), editorial=editorial, engine=self.name,
                      model=self.model, across_library=across)
