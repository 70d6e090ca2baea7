"""Undo what copy-paste and the web leave in an editorial's text, before anything reads it."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["decode_text", "normalise", "plain_question", "printable", "without_surrogates"]

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Terminal escapes whole (CSI, OSC, other ESC sequences, their 8-bit forms), then any control character left: C0
# but tab and newline, DEL, C1.
_ESCAPES = re.compile(r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(\x1b\]|\x9d)[^\x07\x1b\x9c]*(\x07|\x1b\\|\x9c)?|\x1b[@-_]?")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\f\v]+")
_CURLY = str.maketrans("\u2018\u2019\u201b\u2032\u201c\u201d\u201e", "''''\"\"\"")
_BLANK_LINES = re.compile(r"\n{3,}")
# Lines a web page appends after the last paragraph; only dropped at the very end of the text.
_TRAILERS = re.compile(
    r"^(read more|continue reading|advertisement|share this( article)?|click here to comment|"
    r"published in .{0,60}|related:? .{0,80}|follow us on .{0,60})\W*$",
    re.IGNORECASE,
)


def printable(text: str) -> str:
    """The text without terminal escapes or control characters (tab and newline kept), so nothing a file, a page or a
    feed carries can move a cursor, ring a bell or recolour a screen when newsdesk shows it.

    Example:
        printable("Title\\x1b[2J\\x07")  ->  "Title"
    """
    return _UNPRINTABLE.sub("", _ESCAPES.sub("", without_surrogates(text)))


def normalise(text: str) -> str:
    """Return the text with copy-paste damage repaired and whitespace made regular.

    Backticks used as apostrophes become apostrophes, invisible characters go, paragraphs are kept as
    blank-line-separated blocks, and trailing web furniture ("Read more") is dropped.

    Example:
        normalise("FRIDAY`S attack\\n\\nRead more")  ->  "FRIDAY'S attack"
    """
    text = unicodedata.normalize("NFKC", without_surrogates(text)).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("`", "'")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    while lines and (not lines[-1] or _TRAILERS.match(lines[-1])):
        lines.pop()
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def plain_question(text: str) -> str:
    """A question as a phone or Slack's editor typed it, made plain: curly quotes straight (so "What\u2019s the
    editorial\u2019s view?" reads as "What's the editorial's view?"), whitespace single.

    Example:
        plain_question("  What\u2019s  it about?")  ->  "What's it about?"
    """
    return " ".join(without_surrogates(text).translate(_CURLY).split())


def without_surrogates(text: str) -> str:
    """Lone surrogates (from broken UTF-16, JSON escapes or undecodable command-line bytes) as U+FFFD: they
    cannot be stored or printed."""
    return _SURROGATES.sub("\ufffd", text)


def decode_text(data: bytes) -> str | None:
    """Bytes a person typed or saved, as text: UTF-8 (with or without a BOM), UTF-16 with its BOM, else
    Windows-1252 (Latin-1 and its superset, common in older newsroom files). None for what is not text.

    Example:
        decode_text("café".encode("latin-1"))  ->  "café"
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
        return text if text.count("\ufffd") <= len(text) // 100 + 1 else None
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "".join(data.decode("latin-1").translate(_WINDOWS_1252))
    controls = len(_CONTROL.findall(text))
    return text if controls <= len(text) // 100 else None


# Windows-1252's printable characters where Latin-1 has C1 control codes (0x80-0x9F).
_WINDOWS_1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
                 if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
