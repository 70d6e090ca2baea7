"""An `Editorial`: normalised text split into numbered sentences, with its title, date and byline."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.errors import BadInput
from bot.reading.cleaning import normalise, printable
from bot.reading.sentences import split_sentences

__all__ = ["Editorial", "find_date", "make_editorial"]

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_PATTERNS = (
    (re.compile(rf"\b(\d{{1,2}}) ({_MONTHS})[a-z]*\.?,? (\d{{4}})\b", re.I), ("d", "m", "y")),
    (re.compile(rf"\b({_MONTHS})[a-z]*\.? (\d{{1,2}}),? (\d{{4}})\b", re.I), ("m", "d", "y")),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)"), ("y", "m", "d")),
)
_LINE_ENDS = re.compile(r"\r\n?")
_DATELINE = re.compile(r"\s*[–—|·,-]\s*[^–—|·]*\d{4}\s*$")
_BYLINE = re.compile(r"^(by|from)\s+[A-Z][\w.'-]*(\s+[\w.'-]+){0,5}$", re.I)
_MONTH_NUMBER = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


@dataclass(frozen=True)
class Editorial:
    """One editorial as newsdesk knows it. Sentence numbers are 1-based indexes into `sentences`."""

    id: str
    sha256: str
    title: str
    source: str
    sentences: tuple[str, ...]
    published: date | None = None
    byline: str | None = None
    stored_at: datetime | None = None
    corrects: str | None = None  # the id of the earlier version this one corrects, for feed entries that changed

    @property
    def text(self) -> str:
        """The body, one sentence a line."""
        return "\n".join(self.sentences)

    @property
    def headline(self) -> str | None:
        """The title it came with; None when it came without one (its title is the opening of its first sentence)."""
        return None if self.sentences[0].startswith(self.title.removesuffix("…")) else self.title

    def sentence(self, number: int) -> str:
        """The sentence with this 1-based number."""
        return self.sentences[number - 1]

    def reference(self) -> dict[str, str | None]:
        """The editorial as the JSON contract names it."""
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "sha256": self.sha256,
            "published": self.published.isoformat() if self.published else None,
            "corrects": self.corrects,
        }


def find_date(text: str) -> date | None:
    """The first calendar date written in `text` ("19 Feb 2023", "February 19, 2023", "2023-02-19")."""
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = parts["m"]
            month_number = int(month) if month.isdigit() else _MONTH_NUMBER[month[:3].lower()]
            try:
                return date(int(parts["y"]), month_number, int(parts["d"]))
            except ValueError:
                continue
    return None


def make_editorial(
    raw: str,
    source: str,
    *,
    title: str | None = None,
    published: date | None = None,
    byline: str | None = None,
) -> Editorial:
    """Normalise raw text, take its title/date/byline lines off the top, and number its sentences.

    Metadata passed in (from an HTML page's tags, say) wins over what the text's head suggests. Terminal escapes
    and control characters are taken out of every field here, so nothing downstream (a terminal, Slack, Discord,
    JSON) shows what a file or a page smuggled in.

    Example:
        editorial = make_editorial(Path("seeds/dawn-...txt").read_text(), source="seeds/dawn-...txt")
        editorial.title  ->  "Security stocktaking"
    """
    # Escapes go before normalise sees them, or it would take the ESC and leave "[2J"; line ends are made plain
    # first, so the carriage returns of old files still end lines.
    text = normalise(printable(_LINE_ENDS.sub("\n", raw)))
    title, byline = _field(title), _field(byline)
    if not text:
        raise BadInput("There is no text to read: paste an editorial, a link, or attach a file.")
    head_title, head_date, head_byline, body = _split_head(text)
    sentences = tuple(split_sentences(body))
    if not sentences:
        raise BadInput("There is no text to read: paste an editorial, a link, or attach a file.")
    sha256 = hashlib.sha256("\n".join(sentences).encode()).hexdigest()
    return Editorial(
        id=sha256[:10],
        sha256=sha256,
        title=title or head_title or _title_from(sentences[0]),
        source=printable(source),
        sentences=sentences,
        published=published or head_date,
        byline=byline or head_byline,
    )


def _field(value: str | None) -> str | None:
    """A title or byline passed in, on one line and printable; None when nothing is left of it."""
    return (" ".join(printable(value).split()) or None) if value else None


def _split_head(text: str) -> tuple[str | None, date | None, str | None, str]:
    """Peel a title line, a dateline and a byline off the top of the text, when they are there."""
    title: str | None = None
    when: date | None = None
    byline: str | None = None
    lines = text.split("\n")
    while len(lines) > 1:
        line = lines[0].strip().lstrip("#").strip()
        if not line:
            lines.pop(0)
            continue
        line_date = find_date(line) if len(line) < 60 else None
        if byline is None and _BYLINE.match(line):
            byline = line.split(None, 1)[1]
        elif line_date and when is None and len(_without_dates(line).split()) <= 2:
            when = line_date
        elif title is None and _looks_like_title(line, lines[1:]):
            title, when = _DATELINE.sub("", line).strip() or line, line_date or when
        else:
            break
        lines.pop(0)
    return title, when, byline, "\n".join(lines)


def _without_dates(line: str) -> str:
    for pattern, _ in _DATE_PATTERNS:
        line = pattern.sub("", line)
    return line


def _looks_like_title(line: str, rest: list[str]) -> bool:
    words = len(line.split())
    return 0 < words <= 16 and not line.endswith((".", "?", "!", ":", ";", ",")) and any(rest)


def _title_from(sentence: str) -> str:
    words = sentence.split()
    return sentence if len(words) <= 12 else " ".join(words[:12]) + "…"
