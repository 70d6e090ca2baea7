"""Answers of several sentences: a why, a view or a call is answered by every sentence that answers it, in the
editorial's order, each with its number; a number, a date, a name or a place by one sentence. Written editorials
(none of the reserved ones), the real embedded model and the shipped reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.discord.layout import MARKDOWN
from adapters.slack.blocks import MRKDWN
from bot import Newsdesk
from bot.newsroom.render import Markup, answer_body

from .rigs.support import run

LOOTERS = ("Looters on the public purse\n"
           "Last summer's riots left shopkeepers in three cities counting their losses for months. "
           "Some of those convicted of looting were found to be living on welfare payments at the time. "
           "The government should stop the benefits of anyone convicted of looting for a full year. "
           "Councils must also move convicted looters to the back of the queue for social housing. "
           "And the courts ought to order every looter to repay the shops they robbed, out of future earnings. "
           "Nobody is asking for cruelty. "
           "Shopkeepers who lost everything deserve to see that the law is on their side.")

FREEDOM = ("Why January 16 matters\n"
           "Religious Freedom Day falls on January 16 every year. "
           "It marks the day in 1786 when Virginia's legislature adopted Thomas Jefferson's statute for religious "
           "freedom. "
           "The statute became the model for the First Amendment's guarantee of free exercise. "
           "Schools should teach it.")

OIL = ("The oil slump's losers\n"
       "Crude prices have fallen by half since June. "
       "Producers with deep reserves can ride out a long slump. "
       "Venezuela, which spent its windfall and saved nothing, is the country least prepared for the fall. "
       "Its government needs oil at more than 100 dollars a barrel to balance its budget.")

LIMA = ("Lima is a moment of opportunity\n"
        "As nations start the latest round of climate negotiations in Lima today, it is easy to be cynical. "
        "Because in the twenty years that governments have been meeting, emissions have risen faster than ever. "
        "And yet, this is a moment of opportunity. "
        "Solar power now costs less than coal in much of the world, and the movement for action has never been larger. "
        "Negotiators should seize it and agree on binding cuts.")


def test_a_call_made_in_three_sentences_is_quoted_whole_in_order(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(LOOTERS))
    answer = desk.ask("What does the editorial call for?", editorial)
    assert not answer.abstained
    assert [c.sentence for c in answer.citations] == [3, 4, 5]
    assert answer.chosen in answer.citations and answer.answer == " ".join(c.text for c in answer.citations)


def test_a_reason_given_in_the_sentence_after_the_one_that_names_the_thing_is_quoted(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(FREEDOM))
    answer = desk.ask("Why is Religious Freedom Day celebrated on January 16?", editorial)
    assert not answer.abstained
    assert [c.sentence for c in answer.citations] == [1, 2]  # the day, then Jefferson's statute adopted on it


def test_a_question_in_other_words_than_the_sentence_is_answered(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(OIL))
    answer = desk.ask("Which nation is worst placed to weather cheap oil?", editorial)
    assert not answer.abstained and answer.chosen.sentence == 3


def test_a_number_asked_is_answered_by_one_sentence(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(OIL))
    answer = desk.ask("How much have crude prices dropped?", editorial)
    assert not answer.abstained and [c.sentence for c in answer.citations] == [1]


@pytest.mark.parametrize(("markup", "quote"), [(MRKDWN, ">"), (MARKDOWN, "> ")])
def test_every_platform_shows_the_sentences_as_one_numbered_quote_block(desk: Newsdesk, markup: Markup,
                                                                       quote: str) -> None:
    editorial = desk.add(desk.reader.from_text(LOOTERS))
    answer = desk.ask("What does the editorial call for?", editorial)
    lines = answer_body(answer, markup).splitlines()
    assert len(lines) == 3 and all(line.startswith(quote) for line in lines)
    assert [line.rsplit("`[", 1)[1].rstrip("]`") for line in lines] == ["3", "4", "5"]


def test_the_json_answer_keeps_every_quoted_sentence(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    path = workdir / "looters.txt"
    path.write_text(LOOTERS, encoding="utf-8")
    status, out, _ = run(capsys, "ask", str(path), "What does the editorial call for?", "--json")
    answer = json.loads(out)
    assert status == 0 and not answer["abstained"]
    assert [c["sentence"] for c in answer["citations"]] == [3, 4, 5]



def test_asked_why_a_because_after_the_sentence_that_names_the_thing_leads_the_answer(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(LIMA))
    answer = desk.ask("Why is it easy to be cynical about the climate talks?", editorial)
    assert not answer.abstained
    assert answer.chosen.text.startswith("Because in the twenty years")
    assert [c.sentence for c in answer.citations] == [1, 2]  # the sentence it explains stays beside it, in order
