"""Files and pages built to break a reader: a PDF nested past Python's stack, a PDF whose pages share one stream that
inflates to megabytes, a page of nothing but empty paragraphs, titles that carry terminal escapes. Each gets one
sentence (exit 2) or a clean summary, in bounded time and memory, and the bot lives on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.errors import BadInput
from bot.reading.documents import read_document
from bot.reading.isolation import run_contained

from .rigs.support import SEED, Loopback, run

pytestmark = pytest.mark.usefixtures("workdir")

UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x07"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loopback]:
    """A loopback web server the command line may open (NEWSDESK_ALLOW_PRIVATE_URLS)."""
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "1")
    with Loopback() as server:
        yield server


def build_pdf(objects: list[bytes], info: bytes | None = None) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalogue), with a cross-reference table that holds."""
    if info is not None:
        objects = [*objects, info]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"/Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {len(objects)} 0 R" if info is not None else "")
    out += f"trailer\n<< {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def stream(content: bytes, compress: bool = False) -> bytes:
    data = zlib.compress(content, 9) if compress else content
    flate = b" /Filter /FlateDecode" if compress else b""
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), flate, data)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def page(contents: int, font: int) -> bytes:
    return (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (contents, font))


def nested_arrays_pdf(depth: int = 500) -> bytes:
    """A page whose text is drawn from an array nested `depth` deep: under 2 KB."""
    text = stream(b"BT /F1 11 Tf 72 720 Td " + b"[" * depth + b"]" * depth + b" TJ (Nested.) Tj ET")
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page(4, 5),
                      text, FONT])


def shared_stream_pdf(pages: int = 60, inflated: int = 4_000_000) -> bytes:
    """`pages` pages whose /Contents all point at one Flate stream that inflates to `inflated` bytes of text
    operators (each page seconds of pypdf's time, and all of it again for the next): under 30 KB on disk."""
    operators = b"BT /F1 11 Tf (x) Tj ET\n" * (inflated // 23)
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
               stream(operators, compress=True), FONT]
    return build_pdf(objects + [page(3, 4) for _ in range(pages)])


def titled_pdf(title: str) -> bytes:
    """A one-page PDF of the seed editorial's first paragraphs, with `title` in its document information."""
    lines = [line for line in SEED.read_text().splitlines() if line.strip()][2:8]
    words = " ".join(lines).replace("\\", "").replace("(", "").replace(")", "").split()
    rows = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    content = ("BT /F1 11 Tf 72 720 Td 14 TL " + " ".join(f"({row}) '" for row in rows) + " ET").encode()
    utf16 = (b"\xfe\xff" + title.encode("utf-16-be")).hex().encode()  # a text string that can hold any character
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page(4, 5),
                      stream(content), FONT], info=b"<< /Title <" + utf16 + b"> >>")


def titled_page(title: str, author: str) -> bytes:
    """A web page of the seed editorial whose <title> and author carry `title` and `author`."""
    paragraphs = "".join(f"<p>{line}</p>" for line in SEED.read_text().splitlines()[2:] if line.strip())
    return (f'<html><head><title>{title}</title><meta name="author" content="{author}"></head>'
            f"<body><article>{paragraphs}</article></body></html>").encode()


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_a_pdf_nested_past_the_stack_is_refused_in_one_sentence(capsys: pytest.CaptureFixture[str],
                                                                 workdir: Path) -> None:
    data = nested_arrays_pdf()
    assert len(data) < 2_000
    (workdir / "nested.pdf").write_bytes(data)
    status, _, err = run(capsys, "summarize", str(workdir / "nested.pdf"))
    assert status == 2, err
    assert err.count("\n") == 1 and "nested.pdf" in err and "internal error" not in err


def test_a_pdf_whose_pages_share_one_inflating_stream_is_given_up_after_read_seconds(
        capsys: pytest.CaptureFixture[str], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = shared_stream_pdf()
    assert len(data) < 30_000
    (workdir / "bomb.pdf").write_bytes(data)
    monkeypatch.setenv("NEWSDESK_READ_SECONDS", "2")
    status, _, err = run(capsys, "summarize", str(workdir / "bomb.pdf"))
    assert status == 2, err
    assert err.count("\n") == 1 and "bomb.pdf took too long to read (over 2 seconds)" in err


def test_a_page_of_empty_paragraphs_is_given_up_after_read_seconds(capsys: pytest.CaptureFixture[str],
                                                                   web: Loopback,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    web.route("/empty.html", body=b"<html><body>" + b"<p></p>" * 680_000 + b"</body></html>",
              headers={"Content-Type": "text/html"})
    monkeypatch.setenv("NEWSDESK_READ_SECONDS", "2")
    status, _, err = run(capsys, "summarize", web.url("/empty.html"))
    assert status == 2, err
    assert err.count("\n") == 1 and "took too long to read (over 2 seconds)" in err


def test_a_reader_that_runs_out_of_memory_or_dies_is_answered_in_a_sentence() -> None:
    """The shared-stream PDF needs hundreds of megabytes before it is done: with room for 32 MB more than the
    reader starts with (a normal editorial needs 10 to 90 MB), it runs out first."""
    with pytest.raises(BadInput, match=r"bomb\.pdf needs more memory to read than newsdesk allows"):
        read_document(shared_stream_pdf(), "bomb.pdf", seconds=60, memory=32 << 20)
    with pytest.raises(BadInput, match=r"crash\.pdf broke newsdesk's reader"):
        run_contained(os.abort, seconds=60, memory=256 << 20, what="crash.pdf")  # a parser's segfault, or worse


def test_the_bot_reads_on_after_a_file_that_broke_its_reader(capsys: pytest.CaptureFixture[str],
                                                             workdir: Path) -> None:
    (workdir / "nested.pdf").write_bytes(nested_arrays_pdf())
    (workdir / "op-ed.pdf").write_bytes(titled_pdf("Security stocktaking"))
    assert run(capsys, "add", str(workdir / "nested.pdf"))[0] == 2
    status, out, err = run(capsys, "summarize", str(workdir / "op-ed.pdf"))
    assert status == 0 and "Security stocktaking" in out, err


def test_a_parser_warning_stays_in_the_log_not_on_a_quiet_terminal(workdir: Path) -> None:
    """pypdf warns about a PDF whose cross-reference pointer is wrong, and reads it anyway: the warning, logged in
    the reading process, reaches the bot's log (shown with --verbose), not a shell that asked only for answers."""
    data = titled_pdf("Security stocktaking")
    pointer = data.rindex(b"startxref\n") + len(b"startxref\n")
    (workdir / "misfiled.pdf").write_bytes(data[:pointer] + b"999" + data[pointer:])
    environment = {**os.environ, "NEWSDESK_DB": str(workdir / "quiet.db")}
    environment.pop("NEWSDESK_LOG_LEVEL", None)
    command = [sys.executable, "-m", "bot", "summarize", str(workdir / "misfiled.pdf")]
    quiet = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)
    assert quiet.returncode == 0 and "Security stocktaking" in quiet.stdout and quiet.stderr == ""
    verbose = subprocess.run([*command, "--verbose"], capture_output=True, text=True, timeout=120, env=environment)
    assert "WARNING pypdf" in verbose.stderr


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("kind", ["pdf file", "text file", "web page", "text page"])
def test_escapes_in_a_title_never_reach_the_screen(capsys: pytest.CaptureFixture[str], workdir: Path, web: Loopback,
                                                  kind: str, output: str) -> None:
    """Titles (and names, sources and text) come to the terminal, Slack, Discord and JSON without a control
    character. A web page's are already bare when trafilatura hands them over (it drops the ESC and leaves "[2J",
    which a screen shows as text); a PDF's document information and a text's first line are not."""
    title = f"Security{ESCAPES} stocktaking"
    body = SEED.read_text().split("\n", 1)[1]
    if kind == "pdf file":
        source = str(workdir / f"op-ed{ESCAPES}.pdf")
        Path(source).write_bytes(titled_pdf(title))
    elif kind == "text file":
        source = str(workdir / f"op-ed{ESCAPES}.txt")
        Path(source).write_text(f"{title}\n\n{body}")
    elif kind == "web page":
        web.route("/op-ed", body=titled_page(title, f"Ayesha{ESCAPES} Khan"),
                  headers={"Content-Type": "text/html; charset=utf-8"})
        source = web.url("/op-ed")
    else:
        web.route("/op-ed", body=f"{title}\n\n{body}".encode(), headers={"Content-Type": "text/plain; charset=utf-8"})
        source = web.url("/op-ed")
    status, out, err = run(capsys, "summarize", source, *(["--json"] if output == "json" else []))
    assert status == 0, err
    assert "stocktaking" in out and not UNPRINTABLE.search(out)
    if kind != "web page":
        assert "Security stocktaking" in out
    if output == "json":
        assert not any(UNPRINTABLE.search(text) for text in strings(json.loads(out)))
