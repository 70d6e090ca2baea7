"""Questions made unanswerable for the reader's training: each kind changes what the question asks, keeps it a
question, and leaves alone a question it cannot change."""

from __future__ import annotations

import random

import pytest

from bot.models.embedder import default_model_dir
from bot.models.unanswerable import (
    WordVectors,
    affirmed,
    contrary,
    exchanged,
    inverted,
    replaced,
    swapped,
    turned,
    unanswered,
)

SENTENCE = "Telenet was incorporated in 1973 and started operations in 1975 on Tuesday."


@pytest.fixture(scope="module")
def vectors() -> WordVectors:
    return WordVectors(default_model_dir())


def test_turned_questions_ask_the_opposite_or_are_left_alone() -> None:
    rng = random.Random(0)
    assert turned("Who was the first president of Kenya?", random.Random(0)) in {
        "Who was the last president of Kenya?", "Who was not the first president of Kenya?"}
    assert turned("Who founded the Oban ferry company?", rng) == "Who never founded the Oban ferry company?"
    assert turned("What is the name of the river?", rng) == "What is not the name of the river?"
    assert turned("Which team Won the cup?", rng) == "Which team Lost the cup?"
    assert turned("When did the war begin?", rng) is None  # nothing to turn: no group is made


def test_swapped_names_come_from_the_paragraph() -> None:
    question = "When did Telenet start operations?"
    paragraph = [SENTENCE, "Tymnet and Datapac were its rivals."]
    made = {swapped(question, paragraph, random.Random(seed)) for seed in range(20)}
    assert made == {"When did Tymnet start operations?", "When did Datapac start operations?",
                    "When did Tuesday start operations?"}
    assert swapped("when did it start?", paragraph, random.Random(0)) is None


def test_a_contrary_word_or_a_shifted_number_changes_the_question() -> None:
    for seed in range(20):
        changed = contrary("What business was incorporated on Tuesday in 1975?", random.Random(seed))
        assert changed is not None and changed.endswith("?")
        day, year = changed.removesuffix("?").split()[-3], changed.removesuffix("?").split()[-1]
        assert (day != "Tuesday") != (year != "1975")  # exactly one of the two changed
        assert day in {"Tuesday", "Monday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
        assert year.isdigit() and 1965 <= int(year) <= 1985
    assert contrary("Is the solution correct?", random.Random(0)) == "Is the solution incorrect?"
    assert contrary("Which problems can be solved in theory?", random.Random(0)) in {
        "Which problems cannot be solved in theory?"}
    assert contrary("Who wrote the book?", random.Random(0)) is None


def test_a_name_is_replaced_by_the_paragraphs_most_related_name_the_sentence_does_not_use(
        vectors: WordVectors) -> None:
    answering = "In 2001, 1,500 Greek residents of the island were not citizens."
    paragraph = [answering, "Albanian and Cypriot workers came later.", "Ferries sail daily."]
    changed = replaced("In 2001, how many Greek residents were not citizens?", answering, paragraph, vectors,
                       random.Random(0))
    assert changed in {"In 2001, how many Albanian residents were not citizens?",
                       "In 2001, how many Cypriot residents were not citizens?"}
    assert replaced("How many residents were not citizens?", answering, paragraph, vectors, random.Random(0)) is None


def test_two_related_words_are_exchanged_only_where_that_changes_the_question(vectors: WordVectors) -> None:
    answering = "In 2014 the court ordered Turkey to pay Cyprus 90 million euros and Greece 5 million."
    assert exchanged("How much was Turkey ordered to pay Cyprus?", answering, vectors, random.Random(0)) == \
        "How much was Cyprus ordered to pay Turkey?"
    assert exchanged("How much did Cyprus and Turkey pay?", answering, vectors, random.Random(0)) is None
    assert exchanged("Who wrote the book?", answering, vectors, random.Random(0)) is None


def test_the_answer_takes_a_shared_names_place_and_the_relation_turns_round() -> None:
    answering = "The Rhine emerges from Lake Constance and flows west past Basel, founded in 44 BC."
    assert inverted("Where does the Rhine emerge from?", "Lake Constance", answering, random.Random(0)) == \
        "Where does the Lake Constance emerge from?"
    assert inverted("When was Basel founded?", "44 BC", answering, random.Random(0)) is None  # not a name: left
    assert inverted("What city did the Rhine flow past in 44?", "Basel", answering, random.Random(0)) == \
        "What city did the Basel flow past in 44?"  # a name for a name, never for the number
    assert inverted("What does the Rhine-Main region border?", "Lake Constance", answering,
                    random.Random(0)) is None  # half a hyphenated word is not a name


def test_a_negation_is_taken_out_only_when_the_sentence_has_one_too() -> None:
    answering = "A polynomial time algorithm is not always practical."
    assert affirmed("What kind of algorithm is not always practical?", answering) == \
        "What kind of algorithm is always practical?"
    assert affirmed("Why isn't it practical?", "It isn't practical.") == "Why is it practical?"
    assert affirmed("What is always practical?", answering) is None
    assert affirmed("What is not practical?", "Some algorithms are slow.") is None


def test_the_answering_sentence_loses_its_answer_and_still_reads() -> None:
    asked = "What was the dollar no longer anchored to?"
    assert unanswered("The dollar was no longer anchored to gold, and it fell.", "gold", asked) == \
        "The dollar was no longer anchored, and it fell."
    assert unanswered("By 1981 the dollar lost two thirds of its value.", "two thirds",
                      "How much value did the dollar lose?") == "By 1981 the dollar lost some of its value."
    assert unanswered("In 2004 the US Cancer Institute announced its finding.", "US Cancer Institute",
                      "Who announced the finding?") == "In 2004 someone announced its finding."
    assert unanswered("In 1866, a telegraph line joined the city to Buenos Aires.", "1866",
                      "When was the line made?") == "A telegraph line joined the city to Buenos Aires."
    assert unanswered("Gold, gold and gold.", "gold", asked) is None  # the answer twice: it would still be there
    assert unanswered("It was gold.", "gold", asked) is None  # too little left to read
