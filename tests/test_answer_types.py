"""What a sentence can answer: a subheading answers nothing on its own, and a question that asks for a number, a
date, a name or a place is answered only by a sentence that gives one the question does not already hold."""

from __future__ import annotations

import pytest

from bot import Newsdesk
from bot.engines.answer_types import asked_type, is_heading, supplies

TALIBAN = ("The Taliban's lost year\n"
           "The Taliban spent the year promising a new kind of government in Kabul.\n\n"
           "Tarnished credibility.\n\n"
           "The movement lost what standing it had when its commanders broke the ceasefire they had signed in May. "
           "Donors who had talked of engagement stopped returning its envoys' calls. "
           "Neighbouring governments now speak of containment rather than recognition.\n\n"
           "What comes next.\n\n"
           "The international community should keep humanitarian aid flowing while refusing recognition.")

GOVERNOR = ("A governor's diet is nobody's business\n"
            "Critics of the governor have spent years mocking his weight rather than his budgets. "
            "The governor's weight has been the subject of late-night jokes since his first campaign. "
            "His budgets, meanwhile, have cut school funding by 12 per cent in two years. "
            "Voters should judge him on the 12 per cent, not on the jokes.")

PLAN = ("Teachers deserve a health plan that works\n"
        "The teachers' health plan is run by a private insurer that has raised premiums twice in three years. "
        "The union's leaders have asked the district to put the contract out to tender. "
        "The district should do so before the next school year, and publish the bids.")


@pytest.mark.parametrize(("sentence", "heading"), [
    ("Tarnished credibility.", True), ("Video footage.", True), ("Corleone.", True),
    ("So disappointing.", False), ("He is correct.", False), ("I say try.", False),
    ("Do not underestimate them.", False), ("Naked?", False)])
def test_a_subheading_is_told_from_a_short_sentence(sentence: str, heading: bool) -> None:
    assert is_heading(sentence) is heading


@pytest.mark.parametrize(("question", "sentence", "kind", "given"), [
    ("How much does the governor weigh?", "The governor's weight has been the subject of jokes.", "number", False),
    ("How many died in the 2014 attack?", "The 2014 attack shocked the nation.", "number", False),
    ("How many died in the 2014 attack?", "Six soldiers died in the attack.", "number", True),
    ("When did the ceasefire collapse?", "Its commanders broke the ceasefire they had signed in May.", "date", True),
    ("When did the ceasefire collapse?", "Its commanders broke the ceasefire.", "date", False),
    ("What was the name of the neo-Nazi group he joined?", "He joined a neo-Nazi group as a teenager.", "name", False),
    ("Who ended the siege?", "Sindh police officers ended the siege.", "name", True),
    ("Where was the summit held?", "The summit was held in Geneva.", "place", True),
    ("Where was the summit held?", "The summit was held in secret.", "place", False),
    ("Which senator delayed the report?", "The committee's chairman delayed the report.", "name", False),
    ("Which team cut Rice after the video?", "Rice was later cut by the Baltimore Ravens.", "name", True),
    ("What newspaper printed the letters?", "A local newspaper printed the letters.", "name", False),
    ("Who praised Obama's plan?", "Obama's plan was praised widely.", "name", False),
    ("Who wrote the history?", "I've written two histories of the period.", "name", False)])
def test_a_typed_question_needs_a_sentence_that_gives_what_it_asks(question: str, sentence: str, kind: str,
                                                                   given: bool) -> None:
    assert asked_type(question) == kind
    assert supplies(question, sentence, kind) is given


@pytest.mark.parametrize("question", ["Which policies does the writer oppose?", "Which nation is worst placed?",
                                      "What does the writer want?", "What groups are protesting?"])
def test_which_asks_for_a_name_only_of_people_bodies_and_works(question: str) -> None:
    assert asked_type(question) is None


def test_why_the_question_names_what_a_heading_names_the_reason_in_the_sentence_after_is_quoted(
        desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(TALIBAN))
    heading = editorial.sentences.index("Tarnished credibility.") + 1
    answer = desk.ask("Why has the Taliban's credibility been tarnished?", editorial)
    assert all(c.sentence != heading for c in answer.citations)  # never the heading, alone or beside another
    assert answer.citations[0].sentence == heading + 1 and "broke the ceasefire" in answer.citations[0].text


@pytest.mark.parametrize(("text", "question", "pointer"), [
    (GOVERNOR, "How much does the governor weigh?", "weight"),
    (PLAN, "Which insurance company runs the teachers' health plan?", "private insurer")])
def test_a_number_or_a_name_asked_and_not_given_is_not_said(desk: Newsdesk, text: str, question: str,
                                                            pointer: str) -> None:
    answer = desk.ask(question, desk.add(desk.reader.from_text(text)))
    assert answer.abstained and answer.answer == "The editorial does not say."
    assert pointer in answer.citations[0].text  # the closest sentence, as a pointer


def test_a_number_the_editorial_gives_is_answered(desk: Newsdesk) -> None:
    cut = desk.ask("By how much have his budgets cut school funding?", desk.add(desk.reader.from_text(GOVERNOR)))
    assert not cut.abstained and "12 per cent" in cut.citations[0].text
