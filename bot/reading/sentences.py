"""The one sentence splitter: pysbd, paragraph by paragraph, so headings never merge into prose.

pysbd's time grows with the square of the sentences it is given at once, so long paragraphs are handed over in
pieces cut where a sentence surely ends; a sentence longer than `MAX_SENTENCE` characters is cut at spaces.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pysbd

from bot.errors import BadInput

__all__ = ["MAX_SENTENCE", "MAX_SENTENCES", "split_sentences"]

MAX_SENTENCE = 3000  # characters: longer "sentences" are cut at a space (a run-on paste, not prose)
MAX_SENTENCES = 3000  # an editorial has tens; a 200,000-character book chapter of prose has about 1,500
# What pysbd is handed at once: its time grows with the square of the stops in it (2,000 "Yes." 0.45 s, 8,000 8.1 s).
_PIECE_SENTENCES, _PIECE_ENDS, _PIECE_CHARS = 100, 200, 20_000
# A sure end: a lowercase word of three letters or more (no "Mr.", "Gen.", "U.S."), its stop, and a capital next.
_SURE_END = re.compile(r"(?<=[a-z]{3}[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ANY_END = re.compile(r"[.!?]+[\"'”’)\]]*\s")

_local = threading.local()


def _segmenter() -> pysbd.Segmenter:
    # pysbd keeps per-call state on the segmenter, so each thread gets its own.
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = _local.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences, keeping abbreviations, initials and quotes whole.

    Raises BadInput when the text holds more than `MAX_SENTENCES` sentences: it is not one editorial.

    Example:
        split_sentences("Mr. Khan spoke. U.S. aid fell.")  ->  ["Mr. Khan spoke.", "U.S. aid fell."]
    """
    stops = len(_ANY_END.findall(text))
    if stops > 2 * MAX_SENTENCES:
        raise _too_many(stops)
    sentences: list[str] = []
    for paragraph in text.split("\n\n"):
        joined = " ".join(paragraph.split())
        for piece in _pieces(joined):
            for sentence in _segmenter().segment(piece):
                sentences.extend(_cut(sentence.strip()))
        if len(sentences) > MAX_SENTENCES:
            raise _too_many(len(sentences))
    return sentences


def _pieces(paragraph: str) -> Iterator[str]:
    """The paragraph in pieces pysbd reads fast: cut after every `_PIECE_SENTENCES`th sure end, and, where a piece
    still holds more than `_PIECE_ENDS` stops or `_PIECE_CHARS` characters (text no editor writes), at a stop or a
    space. A paragraph of ordinary prose is one piece, split exactly as pysbd splits it whole."""
    start, sure = 0, 0
    for end in _SURE_END.finditer(paragraph):
        sure += 1
        if sure >= _PIECE_SENTENCES:
            yield from _bounded(paragraph[start:end.start()])
            start, sure = end.end(), 0
    yield from _bounded(paragraph[start:])


def _bounded(piece: str) -> Iterator[str]:
    while len(piece) > _PIECE_CHARS or len(_ANY_END.findall(piece)) > _PIECE_ENDS:
        ends = [m.end() for m in _ANY_END.finditer(piece, 0, _PIECE_CHARS)][:_PIECE_ENDS]
        cut = ends[-1] if ends else piece.rfind(" ", 0, _PIECE_CHARS) + 1 or _PIECE_CHARS
        yield piece[:cut].strip()
        piece = piece[cut:]
    if piece.strip():
        yield piece.strip()


def _cut(sentence: str) -> Iterator[str]:
    """A "sentence" longer than `MAX_SENTENCE` characters (a run-on paste) in pieces cut at its last spaces."""
    while len(sentence) > MAX_SENTENCE:
        cut = sentence.rfind(" ", 0, MAX_SENTENCE) + 1 or MAX_SENTENCE
        yield sentence[:cut].strip()
        sentence = sentence[cut:]
    if sentence.strip():
        yield sentence.strip()


def _too_many(count: int) -> BadInput:
    return BadInput(f"That text has about {count:,} sentences and newsdesk reads at most {MAX_SENTENCES:,}: "
                    "send one editorial at a time.")
