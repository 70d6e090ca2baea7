"""What an answer is: the quoted sentences that answer a question, or a plain abstention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.reading.editorial import Editorial

__all__ = ["NOT_SAID", "Answer", "Citation"]

NOT_SAID = "The editorial does not say."


@dataclass(frozen=True)
class Citation:
    """A quoted source sentence: its 1-based number in its editorial, and that editorial."""

    sentence: int
    text: str
    editorial: Editorial

    def to_json(self, with_editorial: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"sentence": self.sentence, "text": self.text}
        if with_editorial:
            data["editorial"] = self.editorial.reference()
        return data


@dataclass(frozen=True)
class Answer:
    """An answer to one question. When `abstained`, the citations only point at the closest sentence."""

    question: str
    answer: str
    abstained: bool
    score: float
    citations: tuple[Citation, ...]
    editorial: Editorial | None
    engine: str
    model: str
    across_library: bool = False
    notes: tuple[str, ...] = ()
    lead: int = 0  # which of the citations (in the editorial's order) the engine chose; the others answer beside it

    @property
    def chosen(self) -> Citation:
        """The citation the engine chose (or, abstaining, the closest sentence)."""
        return self.citations[self.lead]

    def to_json(self) -> dict[str, Any]:
        """The answer in the JSON contract: other tools read these field names."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "score": round(self.score, 4),
            "citations": [c.to_json(with_editorial=self.across_library) for c in self.citations],
            "editorial": self.editorial.reference() if self.editorial else None,
            "engine": self.engine,
            "model": self.model,
            "notes": list(self.notes),
        }
