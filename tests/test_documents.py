"""Files in every format newsdesk reads, and every kind of file it must refuse with one sentence."""

from __future__ import annotations

import pytest

from bot.errors import BadInput
from bot.reading.documents import read_document

from .rigs.support import SEED, make_pdf

ARTICLE_HTML = b"""<!doctype html><html><head><title>Water for the city | The Ledger</title>
<meta property="og:title" content="Water for the city">
<meta name="author" content="Editorial Board">
<meta property="article:published_time" content="2024-05-02T07:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/opinion">Opinion</a></nav>
<article><h1>Water for the city</h1>
<p>The city council has ignored the failing water mains for a decade, and residents now pay the price in
burst pipes and boil-water notices every summer.</p>
<p>Engineers warned in 2019 that a third of the network was past its design life. The council shelved the report
and spent the money on a stadium roof instead.</p>
<p>The council must publish a repair schedule this year and fund it from the capital budget, not from another
round of emergency patches that cost twice as much.</p>
</article><footer>Copyright The Ledger. Subscribe today.</footer></body></html>"""


def test_plain_text_and_markdown_are_read_as_utf8() -> None:
    assert read_document(SEED.read_bytes(), "seed.txt").text.startswith("Security stocktaking")
    assert read_document("# Título\n\nUna frase.".encode(), "note.md").text == "# Título\n\nUna frase."


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    assert read_document("The council must act.".encode("utf-16"), "note.txt").text == "The council must act."


def test_html_article_text_and_metadata_are_extracted_without_the_page_furniture() -> None:
    document = read_document(ARTICLE_HTML, "water.html")
    assert "failing water mains" in document.text and "repair schedule" in document.text
    assert "Subscribe today" not in document.text and "Home" not in document.text
    assert document.title == "Water for the city"
    assert document.published is not None and document.published.isoformat() == "2024-05-02"


def test_pdf_text_layer_is_read() -> None:
    pdf = make_pdf(["The council must publish a repair schedule.", "Residents deserve clean water."])
    document = read_document(pdf, "editorial.pdf")
    assert "repair schedule" in document.text and "clean water" in document.text


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "photo.txt", "binary file"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "broken.pdf", "PDF"),
        (b"<html><body><nav>Home</nav></body></html>", "empty.html", "no article text"),
        (b"PK\x03\x04 word document", "letter.docx", ".txt, .md, .html and .pdf"),
    ],
    ids=["binary", "corrupt-pdf", "html-without-article", "unknown-type"],
)
def test_unreadable_files_get_one_clear_sentence(data: bytes, name: str, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        read_document(data, name)
    assert name in str(caught.value) and str(caught.value).endswith(".")


def test_latin1_and_windows_1252_text_is_read_as_such() -> None:
    assert read_document("Caf\u00e9 society must change.".encode("latin-1"), "latin.txt").text == \
        "Caf\u00e9 society must change."
    assert read_document("\u201cNo\u201d \u2014 the mayor".encode("cp1252"), "quote.txt").text == \
        "\u201cNo\u201d \u2014 the mayor"
