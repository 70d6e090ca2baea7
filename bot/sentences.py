"""The one sentence splitter: pysbd, paragraph by paragraph, so headings never merge into prose."""

from __future__ import annotations

import threading

import pysbd

__all__ = ["split_sentences"]

_local = threading.local()


def _segmenter() -> pysbd.Segmenter:
    # pysbd keeps per-call state on the segmenter, so each thread gets its own.
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = _local.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences, keeping abbreviations, initials and quotes whole.

    Example:
        split_sentences("Mr. Khan spoke. U.S. aid fell.")  ->  ["Mr. Khan spoke.", "U.S. aid fell."]
    """
    sentences: list[str] = []
    for paragraph in text.split("\n\n"):
        joined = " ".join(paragraph.split())
        if joined:
            sentences.extend(s.strip() for s in _segmenter().segment(joined) if s.strip())
    return sentences
