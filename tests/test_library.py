"""The library index behind `ask` with no editorial: it picks the editorials worth reading from many, finds what
another worker stored, and takes new editorials before its word index is rebuilt."""

from __future__ import annotations

from pathlib import Path

from bot import Newsdesk, Settings, build_newsdesk
from bot.library.index import CANDIDATES
from bot.models.embedder import Embedder

from .rigs.support import SEED, settings_on

TOPICS = ("ferry fares on the island routes", "the water mains under the old town", "school meals in the north",
          "bus lanes on the ring road", "the library's opening hours", "rents in the harbour district",
          "the hospital's winter waiting lists", "street lighting in the suburbs")


def filler(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    return (f"Number {n}: the council has neglected {topic} for years. Residents of ward {n} have complained in "
            f"letter after letter about {topic}. The council should publish a plan for {topic} before spring.")


def desk_on(database: str, embedder: Embedder) -> Newsdesk:
    return build_newsdesk(settings_on(database), embedder=embedder)


def test_a_question_reads_only_the_candidate_editorials_and_finds_the_one_that_answers(
        database: str, embedder: Embedder) -> None:
    desk = desk_on(database, embedder)
    for n in range(40):
        desk.add(desk.reader.from_text(filler(n)))
    seed = desk.add(desk.reader.from_source(str(SEED)))
    vector = embedder.encode(["Who ended the siege of the Karachi police office?"])[0]
    chosen = desk.library.candidates("Who ended the siege of the Karachi police office?", vector)
    assert len(desk.library) == 41 and len(chosen) == CANDIDATES and chosen[0] == seed.id
    answer = desk.ask("Who ended the siege of the Karachi police office?", None)
    assert answer.citations[0].editorial.id == seed.id and answer.citations[0].sentence == 20
    desk.store.close()


def test_an_editorial_another_worker_stored_is_found_by_the_next_question(database: str,
                                                                         embedder: Embedder) -> None:
    first, second = desk_on(database, embedder), desk_on(database, embedder)
    first.add(first.reader.from_text(filler(1)))
    assert first.ask("Who ended the siege?", None).abstained  # only the filler is in the library yet
    seed = second.add(second.reader.from_source(str(SEED)))  # stored by the other worker
    answer = first.ask("Who ended the siege?", None)
    assert answer.citations[0].editorial.id == seed.id and not answer.abstained
    first.store.close()
    second.store.close()


def test_new_editorials_are_candidates_before_the_word_index_is_rebuilt_and_enter_it_after(
        tmp_path: Path, embedder: Embedder) -> None:
    desk = build_newsdesk(Settings(db_path=tmp_path / "n.db"), embedder=embedder)
    for n in range(60):
        desk.add(desk.reader.from_text(filler(n)))
    desk.library.refresh()
    seed = desk.add(desk.reader.from_source(str(SEED)))  # after the word index was built
    question = "Which militant group claimed the attack?"
    chosen = desk.library.candidates(question, embedder.encode([question])[0], limit=3)
    assert seed.id in chosen  # read although the word index has not seen it
    for n in range(60, 100):  # enough new ones that the word index is rebuilt, off the request path
        desk.add(desk.reader.from_text(filler(n)))
    desk.library.refresh()
    assert desk.library.settled(timeout=60)
    chosen = desk.library.candidates(question, embedder.encode([question])[0], limit=3)
    assert len(chosen) == 3 and chosen[0] == seed.id  # now ranked with its words, not merely appended
    desk.store.close()
