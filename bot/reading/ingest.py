"""Where editorials come in: pasted text, files, attachments and links all end as an `Editorial`."""

from __future__ import annotations

import re
from pathlib import Path

from bot.errors import BadInput, short
from bot.reading.cleaning import printable
from bot.reading.documents import READ_SECONDS, Attachment, Document, read_document
from bot.reading.editorial import Editorial, make_editorial
from bot.reading.fetcher import Fetcher

__all__ = ["Reader", "is_link"]

_LINK = re.compile(r"^https?://\S+$", re.IGNORECASE)


def is_link(text: str) -> bool:
    """True when the whole of `text` is one http(s) link."""
    return bool(_LINK.match(text.strip()))


class Reader:
    """Read editorials from wherever a user points, within the size limits and `read_seconds` for each file.

    Example:
        reader = Reader(fetcher, max_chars=200_000, max_bytes=5_000_000, read_seconds=20.0)
        editorial = reader.from_source("seeds/dawn-2023-02-19-security-stocktaking.txt")
    """

    def __init__(self, fetcher: Fetcher, *, max_chars: int, max_bytes: int,
                 read_seconds: float = READ_SECONDS) -> None:
        self.fetcher = fetcher
        self.max_chars = max_chars
        self.max_bytes = max_bytes
        self.read_seconds = read_seconds

    def from_source(self, source: str) -> Editorial:
        """A link or a local path (the command line's SOURCE)."""
        if is_link(source):
            return self.from_link(source)
        path = Path(source).expanduser()
        if not path.is_file():
            raise BadInput(f"{short(printable(source), 160)} is neither a file newsdesk can find nor an http(s) "
                           "link.")
        if path.stat().st_size > self.max_bytes:
            raise BadInput(f"{printable(path.name)} is larger than newsdesk's limit of {self.max_bytes:,} bytes.")
        return self._editorial(self._read(path.read_bytes(), path.name), str(path))

    def from_text(self, text: str, source: str = "pasted text") -> Editorial:
        """Text a user pasted; a lone link in it is fetched instead."""
        if is_link(text):
            return self.from_link(text.strip())
        return self._editorial(Document(text=text), source)

    def from_attachment(self, attachment: Attachment) -> Editorial:
        """A file a user attached in chat."""
        if len(attachment.data) > self.max_bytes:
            raise BadInput(f"{printable(attachment.name)} is larger than newsdesk's limit of {self.max_bytes:,} "
                           "bytes.")
        document = self._read(attachment.data, attachment.name, attachment.content_type)
        return self._editorial(document, attachment.name)

    def from_link(self, url: str) -> Editorial:
        """A web page, PDF or text file behind a link, fetched through the SSRF guard."""
        page = self.fetcher.fetch(url)
        return self._editorial(self._read(page.data, page.url, page.content_type), page.url)

    def _read(self, data: bytes, name: str, content_type: str | None = None) -> Document:
        return read_document(data, name, content_type, seconds=self.read_seconds)

    def _editorial(self, document: Document, source: str) -> Editorial:
        if not document.text.strip():
            raise BadInput("There is no text to read: paste an editorial, a link, or attach a file.")
        if len(document.text) > self.max_chars:
            raise BadInput(
                f"That text is {len(document.text):,} characters long and newsdesk reads at most "
                f"{self.max_chars:,}: send one editorial at a time."
            )
        return make_editorial(document.text, source, title=document.title,
                              published=document.published, byline=document.byline)
