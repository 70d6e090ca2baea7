"""Turn the bytes of a file or a web page into plain text plus whatever metadata it carries."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from bot.errors import BadInput, short
from bot.reading.cleaning import decode_text, printable
from bot.reading.editorial import find_date
from bot.reading.isolation import run_contained

__all__ = ["CONTENT_TYPES", "READ_MEMORY", "READ_SECONDS", "Attachment", "Document", "read_document"]

log = logging.getLogger(__name__)

_EXTENSIONS = {".txt": "text", ".text": "text", ".md": "text", ".markdown": "text",
               ".html": "html", ".htm": "html", ".pdf": "pdf"}
_ARTICLE_WORDS = 12  # fewer words than this on a page is navigation, not an article
CONTENT_TYPES = {"text/plain": "text", "text/markdown": "text", "text/html": "html",
                 "application/xhtml+xml": "html", "application/pdf": "pdf"}
READ_SECONDS = 20.0  # the default of NEWSDESK_READ_SECONDS (settings.read_seconds)
# The address space a PDF or HTML read may take beyond the reading process's own: a long editorial needs tens of
# megabytes, so only a file built to inflate meets this.
READ_MEMORY = 1 << 30
_PARSERS = ("bot.reading.documents", "pypdf", "trafilatura")  # what the fork server imports once for every read


@dataclass(frozen=True)
class Attachment:
    """A file a user sent with a command, already downloaded by the adapter."""

    name: str
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class Document:
    """The readable text of a file or page, and the metadata its format declared."""

    text: str
    title: str | None = None
    published: date | None = None
    byline: str | None = None


def read_document(data: bytes, name: str, content_type: str | None = None, *, seconds: float = READ_SECONDS,
                  memory: int = READ_MEMORY) -> Document:
    """Read a .txt, .md, .html or .pdf file (by extension, content type, or its first bytes).

    PDFs and web pages are parsed in a child process that is stopped after `seconds` or past `memory` bytes
    (bot/reading/isolation.py), since a few kilobytes can be built to keep a parser busy for minutes or inflate into
    gigabytes. Raises BadInput with one sentence for binary files, corrupt PDFs, pages with no article, text that
    is not UTF-8, file types newsdesk does not read, and files that take too long or too much memory to read.

    Example:
        read_document(Path("op-ed.html").read_bytes(), "op-ed.html").text
    """
    name = printable(name)  # it is quoted in the sentences below, which a terminal shows
    kind = _kind(data, name, content_type)
    if kind == "text":
        return Document(text=_decode(data, name))
    reader = _read_pdf if kind == "pdf" else _read_html
    # its title and byline lose any terminal escapes where every editorial's fields do: in make_editorial
    return run_contained(reader, data, name, seconds=seconds, memory=memory, what=short(name), preload=_PARSERS)


def _kind(data: bytes, name: str, content_type: str | None) -> str:
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    suffix = PurePosixPath(name.split("?")[0]).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CONTENT_TYPES:
        return CONTENT_TYPES[media]
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if not suffix and not media:
        return "text"
    raise BadInput(f"newsdesk reads .txt, .md, .html and .pdf files, and {short(name)} is none of these.")


def _decode(data: bytes, name: str) -> str:
    text = decode_text(data)
    if text is None:
        raise BadInput(f"{short(name)} looks like a binary file, not text: send a .txt, .md, .html or .pdf file.")
    return text


def _read_html(data: bytes, name: str) -> Document:
    if b"\x00" in data[:8192]:
        raise BadInput(f"{short(name)} looks like a binary file, not a web page.")
    import trafilatura  # imported on first use: it costs a fifth of a second at start-up

    extracted = trafilatura.extract(data, output_format="json", with_metadata=True, include_comments=False,
                                    include_tables=False, favor_precision=True)
    if not extracted:
        raise BadInput(f"{short(name)} has no article text that newsdesk could find.")
    fields = json.loads(extracted)
    text = str(fields.get("text") or "").replace("\n", "\n\n")
    if len(text.split()) < _ARTICLE_WORDS:
        raise BadInput(f"{short(name)} has no article text that newsdesk could find.")
    published = find_date(str(fields.get("date") or ""))
    return Document(text=text, title=fields.get("title") or None, published=published,
                    byline=fields.get("author") or None)


def _read_pdf(data: bytes, name: str) -> Document:
    from pypdf import PdfReader  # imported on first use, like trafilatura
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise BadInput(f"{short(name)} is a password-protected PDF: send an unprotected copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except BadInput:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        log.info("unreadable PDF %s: %s", name, error)
        raise BadInput(f"{short(name)} is not a PDF newsdesk can read: it may be damaged.") from None
    text = "\n\n".join(_unwrap(page) for page in pages if page.strip())
    if not text.strip():
        raise BadInput(f"{short(name)} has no text layer (a scanned PDF?): send the text or a link instead.")
    return Document(text=text, title=str(title) if title else None)


def _unwrap(page: str) -> str:
    """Join a PDF page's hard-wrapped lines back into paragraphs."""
    paragraphs = page.replace("-\n", "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)
