"""Undo what copy-paste and the web leave in an editorial's text, before anything reads it."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise"]

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Lines a web page appends after the last paragraph; only dropped at the very end of the text.
_TRAILERS = re.compile(
    r"^(read more|continue reading|advertisement|share this( article)?|click here to comment|"
    r"published in .{0,60}|related:? .{0,80}|follow us on .{0,60})\W*$",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """Return the text with copy-paste damage repaired and whitespace made regular.

    Backticks used as apostrophes become apostrophes, invisible characters go, paragraphs are kept as
    blank-line-separated blocks, and trailing web furniture ("Read more") is dropped.

    Example:
        normalise("FRIDAY`S attack\\n\\nRead more")  ->  "FRIDAY'S attack"
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("`", "'")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    while lines and (not lines[-1] or _TRAILERS.match(lines[-1])):
        lines.pop()
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
