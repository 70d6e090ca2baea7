"""Normalisation, sentence splitting, and what an Editorial makes of raw text."""

from __future__ import annotations

import pytest

from bot.errors import BadInput
from bot.reading.cleaning import normalise
from bot.reading.editorial import find_date, make_editorial
from bot.reading.sentences import split_sentences

from .rigs.support import SEED


def test_backticks_become_apostrophes_and_read_more_goes() -> None:
    text = normalise("FRIDAY`S attack on the `jihadi` networks.\n\nRead more\n")
    assert text == "FRIDAY'S attack on the 'jihadi' networks."


def test_invisible_and_control_characters_are_removed_and_paragraphs_kept() -> None:
    text = normalise("Zero\u200bwidth soft\u00adhyphen\x07 here.\r\n\r\n\r\n\r\nNext   paragraph.")
    assert text == "Zerowidth softhyphen here.\n\nNext paragraph."


def test_splitter_keeps_abbreviations_initials_and_quotes_whole() -> None:
    sentences = split_sentences('Mr. Khan met Dr. J. R. Smith in the U.S. on Monday. He said "Enough." Then he left.')
    assert sentences == ['Mr. Khan met Dr. J. R. Smith in the U.S. on Monday.', 'He said "Enough."', "Then he left."]


def test_splitter_never_joins_a_heading_to_the_next_paragraph() -> None:
    assert split_sentences("A heading\n\nThe first sentence.") == ["A heading", "The first sentence."]


def test_seed_title_date_and_sentences() -> None:
    editorial = make_editorial(SEED.read_text(encoding="utf-8"), str(SEED))
    assert editorial.title == "Security stocktaking"
    assert editorial.published is not None and editorial.published.isoformat() == "2023-02-19"
    assert editorial.sentences[0].startswith("FRIDAY'S brazen attack")
    assert not any("`" in s or s == "Read more" for s in editorial.sentences)
    assert editorial.sentence(20).startswith("Sindh police officers")


def test_byline_and_dateline_lines_are_metadata_not_sentences() -> None:
    editorial = make_editorial("# The cost of delay\n\nBy Jane Smith\n\nMarch 3, 2024\n\nThe council must act. "
                               "It has waited too long.", "x")
    assert (editorial.title, editorial.byline, str(editorial.published)) == ("The cost of delay", "Jane Smith",
                                                                             "2024-03-03")
    assert editorial.sentences == ("The council must act.", "It has waited too long.")


def test_same_text_with_other_spacing_is_the_same_editorial() -> None:
    one = make_editorial("The council must act.  It has waited too long.", "a")
    two = make_editorial("The council must act.\n\nIt has waited\ttoo long.\n\nRead more", "b")
    assert one.sha256 == two.sha256 and one.id == two.id


@pytest.mark.parametrize("raw", ["", "   \n\t  ", "\u200b\u200b"])
def test_empty_text_is_refused_with_a_sentence(raw: str) -> None:
    with pytest.raises(BadInput, match="no text to read"):
        make_editorial(raw, "pasted text")


@pytest.mark.parametrize(("text", "iso"), [("19 Feb 2023", "2023-02-19"), ("February 19, 2023", "2023-02-19"),
                                           ("Sept. 5, 2021", "2021-09-05"), ("Oct 1, 2020", "2020-10-01"),
                                           ("3 December 2019", "2019-12-03"), ("2023-02-19T10:00", "2023-02-19")])
def test_dates_in_the_usual_spellings(text: str, iso: str) -> None:
    found = find_date(text)
    assert found is not None and found.isoformat() == iso
