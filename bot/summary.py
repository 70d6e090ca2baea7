"""What a summary is: a TL;DR, key points and calls to action, each a numbered source sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.reading.editorial import Editorial

__all__ = ["LENGTHS", "Point", "Summary"]

LENGTHS = ("short", "medium", "long")


@dataclass(frozen=True)
class Point:
    """One point of a summary and the 1-based number of the sentence it comes from."""

    text: str
    sentence: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "sentence": self.sentence}


@dataclass(frozen=True)
class Summary:
    """A summary of one editorial, and which engine and model wrote it."""

    editorial: Editorial
    tldr: Point
    key_points: tuple[Point, ...]
    calls_to_action: tuple[Point, ...]
    engine: str
    model: str
    length: str = "medium"
    notes: tuple[str, ...] = field(default=())
    guard: dict[str, Any] | None = None  # what the faithfulness guard kept and dropped, for generative engines

    @property
    def points(self) -> tuple[Point, ...]:
        """Every point shown: the TL;DR, the key points, the calls to action."""
        return (self.tldr, *self.key_points, *self.calls_to_action)

    @property
    def cited(self) -> list[int]:
        """The numbers of the sentences the summary cites, in order, each once."""
        return sorted({point.sentence for point in self.points})

    def to_json(self) -> dict[str, Any]:
        """The summary in the JSON contract: other tools read these field names."""
        return {
            "editorial": self.editorial.reference(),
            "tldr": self.tldr.to_json(),
            "key_points": [p.to_json() for p in self.key_points],
            "calls_to_action": [p.to_json() for p in self.calls_to_action],
            "engine": self.engine,
            "model": self.model,
            "length": self.length,
            "notes": list(self.notes),
        } | ({"guard": self.guard} if self.guard is not None else {})

    @classmethod
    def from_json(cls, data: dict[str, Any], editorial: Editorial) -> Summary:
        """Rebuild a cached summary for `editorial`."""
        return cls(
            editorial=editorial,
            tldr=Point(**data["tldr"]),
            key_points=tuple(Point(**p) for p in data["key_points"]),
            calls_to_action=tuple(Point(**p) for p in data["calls_to_action"]),
            engine=data["engine"],
            model=data["model"],
            length=data.get("length", "medium"),
            notes=tuple(data.get("notes", ())),
            guard=data.get("guard"),
        )
