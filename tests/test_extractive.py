"""The embedded engine on the seed editorial, with the real all-MiniLM-L6-v2: facts from seeds/README.md."""

from __future__ import annotations

import pytest

from bot import Editorial, Newsdesk
from bot.engines.lexical import asks_for_thesis, is_demand, unframed, unnamed
from bot.models.answer_reader import AnswerReader, as_read


def test_who_ended_the_siege_cites_the_sindh_police_sentence(desk: Newsdesk, seed: Editorial) -> None:
    answer = desk.ask("Who ended the siege?", seed)
    assert not answer.abstained
    assert answer.citations[0].text.startswith("Sindh police officers, backed by Rangers and military personnel")
    assert seed.sentence(answer.citations[0].sentence) == answer.citations[0].text


@pytest.mark.parametrize("question", ["How many people died?", "When will the multiparty conference be held?",
                                      "What does the editorial say about India?", "What did India say?"])
def test_what_the_editorial_does_not_say_is_abstained_on(desk: Newsdesk, seed: Editorial, question: str) -> None:
    answer = desk.ask(question, seed)
    assert answer.abstained and answer.answer == "The editorial does not say."
    closest = answer.citations[0]
    assert seed.sentence(closest.sentence) == closest.text


def test_a_day_in_the_possessive_is_read_as_the_time_of_what_follows() -> None:
    assert as_read("FRIDAY'S brazen attack came.") == "(on Friday) the brazen attack came."
    assert as_read("After Sunday\u2019s vote, the party's chief spoke.") == \
        "After (on Sunday) the vote, the party's chief spoke."
    assert as_read("Fridays are quiet; Friday is not.") == "Fridays are quiet; Friday is not."


@pytest.mark.parametrize(("question", "number"), [
    ("Who ended the siege?", 20), ("What did Imran Khan say?", 9),
    ("When did the attack happen?", 1),  # "FRIDAY'S brazen attack...": a day in the possessive says when
    ("What day was the Karachi Police Office attacked?", 1)])
def test_the_reader_cites_the_sentence_that_answers(desk: Newsdesk, seed: Editorial, question: str,
                                                    number: int) -> None:
    answer = desk.ask(question, seed)
    assert not answer.abstained and answer.citations[0].sentence == number
    assert answer.model == f"all-MiniLM-L6-v2 + {AnswerReader.name}" and 0.0 < answer.score <= 1.0


def test_what_the_editorial_wants_the_state_to_do_is_a_call_to_action(desk: Newsdesk, seed: Editorial) -> None:
    answer = desk.ask("What does the editorial want the state to do?", seed)
    assert not answer.abstained and is_demand(answer.citations[0].text)


def test_who_let_the_militants_back_names_the_former_government(desk: Newsdesk, seed: Editorial) -> None:
    answer = desk.ask("Who let the militants back into Pakistan?", seed)
    quoted = " ".join(c.text for c in answer.citations)
    assert not answer.abstained and ("PTI" in quoted or "Bajwa" in quoted)


def test_who_attacked_names_the_ttp_and_the_karachi_police_office(desk: Newsdesk, seed: Editorial) -> None:
    answer = desk.ask("Who attacked the Karachi Police Office?", seed)
    assert not answer.abstained and "Karachi Police Office" in answer.citations[0].text


def test_every_summary_point_is_a_verbatim_numbered_source_sentence(desk: Newsdesk, seed: Editorial) -> None:
    for length in ("short", "medium", "long"):
        summary = desk.summarize(seed, length)
        for point in (summary.tldr, *summary.key_points, *summary.calls_to_action):
            assert seed.sentence(point.sentence) == point.text


def test_key_points_are_three_to_five_in_document_order_and_length_changes_them(desk: Newsdesk,
                                                                                seed: Editorial) -> None:
    counts = {length: len(desk.summarize(seed, length).key_points) for length in ("short", "medium", "long")}
    assert 3 <= counts["medium"] <= 5 and counts["short"] < counts["medium"] < counts["long"]
    numbers = [p.sentence for p in desk.summarize(seed).key_points]
    assert numbers == sorted(numbers)


def test_calls_to_action_are_the_editorials_demands(desk: Newsdesk, seed: Editorial) -> None:
    summary = desk.summarize(seed)
    demands = [p.text for p in summary.calls_to_action]
    assert demands and all(any(w in d for w in ("must", "should", "need", "is needed")) for d in demands)
    assert any("facilitation networks" in d or "reassure" in d for d in demands)
    assert not any("what should be well-protected" in d for d in demands)


def test_what_does_it_call_for_quotes_a_demand(desk: Newsdesk, seed: Editorial) -> None:
    answer = desk.ask("What does the editorial call for?", seed)
    assert not answer.abstained
    assert any(w in answer.citations[0].text for w in ("must", "should", "need", "called for"))


@pytest.mark.parametrize("question", ["What is the main argument?", "What is the editorial about?",
                                      "What does the editorial argue?", "Give me the gist of it",
                                      "What\u2019s the editorial\u2019s view?"])  # as a phone types it
def test_asked_for_the_main_argument_it_quotes_the_summarys_tldr(desk: Newsdesk, seed: Editorial,
                                                                 question: str) -> None:
    answer = desk.ask(question, seed)
    tldr = desk.summarize(seed).tldr
    assert not answer.abstained and answer.answer == tldr.text
    assert [c.sentence for c in answer.citations] == [tldr.sentence] and 0.0 < answer.score <= 1.0


@pytest.mark.parametrize(("question", "thesis"), [
    ("What is the editorial's main point?", True), ("What is the main point of the editorial?", True),
    ("TL;DR?", True), ("What is this piece saying?", True), ("What does the author think?", True),
    ("What is the editorial's view?", True), ("What's the writer's position?", True),
    ("What do the editors think?", True), ("Where does the newspaper stand?", True),
    ("Where does the editorial stand?", True), ("What line does the piece take?", True),
    ("What is the point of the article?", True), ("What does the editorial conclude?", True),
    ("What is the editorial's main concern?", True), ("What is the central theme of the piece?", True),
    ("What is the main concern about the siege?", False),
    ("What is the editorial's view on India?", False), ("Where does the editorial stand on talks?", False),
    ("What does the editorial say about India?", False), ("What is the key point of the siege?", False),
    ("What is the main argument against talks?", False), ("What does the editorial call for?", False)])
def test_main_argument_questions_are_told_from_questions_about_something(question: str, thesis: bool) -> None:
    assert asks_for_thesis(question) is thesis


@pytest.mark.parametrize(("question", "asked"), [
    ("What does the editorial think about the peace talks?", "What about the peace talks?"),
    ("What is the writer's view of Imran Khan?", "What about Imran Khan?"),
    ("How does the piece see the PTI government?", "What about the PTI government?"),
    ("According to the editorial, who ended the siege?", "Who ended the siege?"),
    ("Does the editorial say who ended the siege?", "Who ended the siege?"),
    ("Who ended the siege, according to the author?", "Who ended the siege?"),
    ("What do the editors think of the peace talks?", "What about the peace talks?"),
    ("Where does the paper stand on talks?", "What about talks?"),
    ("Does it discuss the peace talks?", "What about the peace talks?"),
    ("Tell me about the multiparty conference", "What about the multiparty conference?"),
    ("Does the editorial support talks with the TTP?", "What about talks with the TTP?"),
    ("Is the writer in favour of a security audit?", "What about a security audit?"),
    ("Does the author blame Imran Khan?", "What about Imran Khan?"),
    ("Does it mention how many people died?", "How many people died?"),
    ("What does the editorial say the state should do?", "What does the editorial say the state should do?"),
    ("What does the editorial call for?", "What does the editorial call for?")])
def test_the_words_that_only_point_at_the_editorial_are_not_read_as_what_is_asked(question: str, asked: str) -> None:
    assert unframed(question) == asked


def test_asked_what_the_editorial_thinks_of_something_it_quotes_what_it_says_of_it(desk: Newsdesk,
                                                                                  seed: Editorial) -> None:
    answer = desk.ask("What does the editorial think about the peace talks with the TTP?", seed)
    assert not answer.abstained and answer.citations[0].sentence in {7, 8, 9, 10}  # the doomed negotiations
    assert answer.question == "What does the editorial think about the peace talks with the TTP?"
    assert desk.ask("What does the editorial say about India?", seed).abstained


@pytest.mark.parametrize(("question", "number"), [
    ("Does the editorial back a security audit?", 14), ("Does the writer blame Imran Khan?", 9),
    ("Does the editorial criticise the military?", 17), ("Is the author in favour of a multiparty conference?", 18)])
def test_asked_whether_the_editorial_supports_something_it_quotes_what_it_says_of_it(
        desk: Newsdesk, seed: Editorial, question: str, number: int) -> None:
    answer = desk.ask(question, seed)  # each abstained (0.07-0.24) when the frame was read as part of the question
    assert not answer.abstained and answer.citations[0].sentence == number


def test_a_main_argument_about_something_in_particular_is_asked_of_the_sentences(desk: Newsdesk,
                                                                                 seed: Editorial) -> None:
    answer = desk.ask("What is the main argument against India?", seed)
    assert answer.abstained  # the editorial makes none: the reader reads the sentences, no TL;DR stands in


def test_the_summary_json_follows_the_contract(desk: Newsdesk, seed: Editorial) -> None:
    data = desk.summarize(seed).to_json()
    assert set(data) >= {"editorial", "tldr", "key_points", "calls_to_action", "engine", "model"}
    assert set(data["editorial"]) >= {"id", "title", "source", "sha256"}
    assert data["engine"] == "extractive" and data["model"] == "all-MiniLM-L6-v2"
    assert set(data["tldr"]) == {"text", "sentence"} and isinstance(data["tldr"]["sentence"], int)


def test_a_second_summary_comes_from_the_cache_and_both_are_audited(desk: Newsdesk, seed: Editorial) -> None:
    first = desk.summarize(seed)
    second = desk.summarize(seed)
    assert second == first
    records = [r for r in desk.store.audit_log() if r["kind"] == "summary"]
    assert len(records) == 2 and all(r["sha256"] == seed.sha256 and r["version"] for r in records)


def test_asking_across_the_library_names_the_editorial(desk: Newsdesk, seed: Editorial) -> None:
    other = desk.add(desk.reader.from_text(
        "The ferry operator has raised fares by forty per cent in two years. The regulator should cap fares on "
        "lifeline routes before the islands empty. Islanders cannot reach hospital appointments in winter."))
    answer = desk.ask("Who should cap ferry fares?", None)
    assert answer.citations[0].editorial.id == other.id
    assert answer.to_json()["citations"][0]["editorial"]["id"] == other.id
    siege = desk.ask("Who ended the siege?", None)
    assert siege.citations[0].editorial.id == seed.id


def test_a_rhetorical_question_in_the_editorial_is_not_quoted_as_the_answer(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(
        "A second chance for the harbour ferry\n"
        "The council voted last week to scrap the harbour ferry after a single collision in March. "
        "Nobody was hurt, and the ferry has carried commuters for forty years without another accident. "
        "Why would anyone want the harbour ferry to have a second chance? "
        "Because one isolated accident does not outweigh four decades of safe and cheap crossings. "
        "The council should restore the service and fund new radar for the crew."))
    answer = desk.ask("Why should the harbour ferry get a second chance?", editorial)
    assert not answer.citations[0].text.endswith("?")  # the restated question answers nothing
    assert all(not c.text.endswith("?") for c in answer.citations)


@pytest.mark.parametrize(("question", "text", "names"), [
    ("What did Governor Nathan Deal say about the firing?", "The mayor fired the chief.", ["Nathan Deal"]),
    ("What did Governor Nathan Deal say about the firing?", "Gov. Deal stayed silent.", []),
    ("What does the writer think of Obama's task force?", "OBAMA'S task force met.", []),
    ("What did the EU say?", "The European Union said nothing.", []),
    ("What did the U.S. say?", "The United States of America said nothing.", []),
    ("What did the British say?", "Britain said nothing.", []),
    ("Who spoke on Friday in March?", "Nobody spoke.", []),
    ("What did the President say?", "Nobody spoke.", []),
    ("What did the \u00c9lys\u00e9e say?", "Paris spoke.", ["\u00c9lys\u00e9e"]),
    ("What did India say?", "Pakistan and Afghanistan spoke; the ISPR did not.", ["India"])])
def test_the_names_a_question_asks_about_are_looked_for_in_the_text(question: str, text: str,
                                                                    names: list[str]) -> None:
    assert unnamed(question, text) == names


def test_asked_what_someone_the_editorial_never_names_said_it_does_not_say(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(
        "The ferry fare rise is a tax on islanders\n"
        "The ferry operator has raised fares by forty per cent in two years. "
        "Its chief executive, Anna Berg, said the rise pays for new engines and a second crew. "
        "The regional council's transport chair called the increase regrettable but unavoidable. "
        "Islanders cannot reach hospital appointments in winter without the morning crossing. "
        "The regulator should cap fares on lifeline routes before the islands empty."))
    said = desk.ask("What did Anna Berg say about the fares?", editorial)
    assert not said.abstained and said.citations[0].sentence == 2
    for question in ("What did Stagecoach say about the second crew?",
                     "What did the RMT union say about the second crew?"):
        answer = desk.ask(question, editorial)  # 0.37 without the name check: sentence 2 quoted as their words
        assert answer.abstained and answer.answer == "The editorial does not say."


@pytest.mark.parametrize(("sentence", "demand"), [
    ("The government should stop the benefits of convicted looters.", True),
    ("We need politicians with more on their minds than winning the next election.", True),
    ("Stand up for someone else.", True),
    ("Do not underestimate them.", True),
    ("Let me explain why.", False),
    ('Murdoch tweeted that all Muslims "must be held responsible" for the attack.', False),
    ("Both sides agreed that employers should not be able to push a woman out of the workforce.", False),
    ("The joint statement calls on the media to refrain from showing the pictures.", False),
    ("Experts have called for a security audit in the wake of the Karachi attack.", False),
    ("We call on the government to hold an inquiry.", True),
    ("What should the council do now?", False)])
def test_a_demand_is_the_editorials_own_with_or_without_should_or_must(sentence: str, demand: bool) -> None:
    assert is_demand(sentence) is demand


def test_a_summary_lists_an_imperative_call_and_not_a_quoted_must(desk: Newsdesk) -> None:
    text = ("Charity begins at the door\n"
            "The winter shelter on Mill Road turned away forty people last week. "
            "Its director told reporters that the city \"must find more beds\" before January. "
            "The council has found the money for a new car park instead. "
            "Give what you can to the shelter this month. "
            "A warm bed costs less than a parking space.")
    editorial = desk.add(desk.reader.from_text(text))
    summary = desk.summarize(editorial, "medium")
    calls = [p.sentence for p in summary.calls_to_action]
    assert 4 in calls or summary.tldr.sentence == 4  # the imperative is the editorial's own call
    assert 2 not in calls  # the director's quoted "must" is not
