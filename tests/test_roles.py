"""Summaries that state the editorial's thesis and only its own demands: the sentence-role model (shipped weights,
the real embedded model) on editorials written for these tests, and its training on written roles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot import Newsdesk
from bot.engines.roles import RoleModel
from bot.evaluation.data import part
from bot.evaluation.role_training import ROLE_MODEL_NAME, train_roles
from bot.models.embedder import Embedder
from bot.newsroom.render import summary_text
from bot.reading.editorial import Editorial, make_editorial

WAITS = ("Nine hours on a plastic chair\n"
         "Maria Lopez arrived at the emergency department of St Anne's hospital at seven on a Tuesday evening with a "
         "broken wrist. "
         "She was seen at four the next morning, after nine hours on a plastic chair beside a man who had been waiting "
         "longer still. "
         "The nurses who finally set her arm apologised three times. "
         "Her story is not unusual. "
         "Last winter one patient in five waited more than four hours to be seen, twice the share of five years ago. "
         "The hospital's chief executive said the department \"must cope with the demand it has\" until new money "
         "arrives. "
         "Ministers point to record budgets, and the budgets are indeed larger than ever. "
         "But most of the new money has gone to clearing the backlog of planned operations, not to the front door. "
         "The waits in our emergency departments are not bad luck or a hard winter: they are the result of a decade "
         "of choices to leave the front door of the health service short of beds and staff. "
         "Every hospital that cut beds to meet a savings target has seen its queues grow. "
         "A department without beds upstairs cannot admit the patients it has treated, so they wait on trolleys, and "
         "the people behind them wait on chairs. "
         "Targets and league tables have not changed that, because they measure the queue rather than its cause. "
         "Until those choices change, the queues will not. "
         "It is time for ministers to put back the beds that were cut. "
         "Patients like Maria Lopez deserve better than a night on a plastic chair.")

FAREWELL = ("A quiet farewell at the Philharmonic\n"
            "After thirty-one seasons, Helena Marsh conducted her last concert with the city's Philharmonic on "
            "Saturday night. "
            "She arrived in 1994 to an orchestra that played to half-empty halls and owed money to its own musicians. "
            "Within five years the debts were paid and the subscriptions had doubled. "
            "Her programmes mixed the familiar with the new, and she commissioned more than forty works from living "
            "composers. "
            "Critics did not always love her choices, and some seasons were uneven. "
            "Yet the orchestra she leaves is one of the finest in the country, and its players say so themselves. "
            "Saturday's Mahler was slow, patient and generous, much like her tenure. "
            "The audience stood for eleven minutes. "
            "Few careers in the city's cultural life have mattered as much as hers.")

FIRE = ("Three hurt in warehouse fire\n"
        "Three firefighters were taken to hospital on Tuesday after a fire tore through a furniture warehouse on the "
        "Eastgate industrial estate. "
        "The blaze started shortly after 2 am and took eighty firefighters more than six hours to bring under control. "
        "The three were treated for smoke inhalation and released later in the day, a spokesman for the fire service "
        "said. "
        "The warehouse, owned by Harlow Home Ltd, employed forty people. "
        "Its managing director, Sunil Rao, said the company would keep paying its staff while it looked for new "
        "premises. "
        "\"We must make sure nobody loses their job over this,\" he said. "
        "Police said there was nothing to suggest the fire had been started deliberately. "
        "Roads around the estate were closed until the evening.")


RIVER = ("Seven things the council must do about the river\n"
         "For the third summer running, the River Wend has been closed to swimmers after sewage was found in the "
         "water. "
         "The council blames the water company, the water company blames the rain, and the river gets dirtier. "
         "Last year the company released untreated sewage into the Wend on 212 days, more than any other river in the "
         "county. "
         "Fish numbers below the town have halved in a decade. "
         "None of this is inevitable, and the council has more power than it admits. "
         "The council must publish every sewage release within a day, with its time and its length. "
         "It should also test the water at the town beach every week from May to September and post the results at "
         "the water's edge. "
         "The council must also refuse planning permission for new estates until the treatment works can cope with "
         "the homes already built. "
         "It should take the water company to court when it breaks the terms of its permit. "
         "Councillors must stop accepting hospitality from the company they are meant to hold to account. "
         "The council should fund the volunteers who already count the fish and sample the river. "
         "And it must set a date by which the river will be safe to swim in, and report against it every year. "
         "Other towns have cleaned their rivers with less. "
         "The Wend can be clean again if the council decides that it matters.")


def test_an_editorial_that_opens_with_an_anecdote_gets_its_thesis_as_tldr(desk: Newsdesk) -> None:
    summary = desk.summarize(desk.add(desk.reader.from_text(WAITS)), "medium")
    assert summary.tldr.sentence == 9, summary.tldr.text  # "The waits ... are the result of a decade of choices"


def test_the_thesis_is_found_with_the_headline_the_editorial_came_with_and_without_one(desk: Newsdesk) -> None:
    headlined = desk.reader.from_text(WAITS)
    bare = desk.reader.from_text(WAITS.split("\n", 1)[1])
    assert headlined.headline == "Nine hours on a plastic chair" and bare.headline is None  # its title: 12 words
    for editorial in (headlined, bare):  # a headline about the anecdote does not make the anecdote the thesis
        assert desk.summarize(desk.add(editorial), "medium").tldr.sentence == 9


def test_a_call_without_should_or_must_is_listed_and_a_quoted_must_is_not(desk: Newsdesk, seed: Editorial) -> None:
    calls = [point.sentence for point in desk.summarize(desk.add(seed), "medium").calls_to_action]
    assert 21 in calls  # "The state needs to do its bit and reassure ...": the seed's TL;DR, and a demand
    summary = desk.summarize(desk.add(desk.reader.from_text(WAITS)), "medium")
    assert 6 not in [point.sentence for point in summary.calls_to_action]  # the chief executive's quoted "must cope"


def test_an_editorial_that_demands_nothing_has_no_calls_section(desk: Newsdesk) -> None:
    summary = desk.summarize(desk.add(desk.reader.from_text(FAREWELL)), "medium")
    assert summary.calls_to_action == ()
    text = summary_text(summary)
    assert "What it calls for" not in text and summary.tldr.text in text


def test_an_editorial_with_many_demands_gets_more_than_five_calls_at_medium_and_two_at_short(desk: Newsdesk) -> None:
    editorial = desk.add(desk.reader.from_text(RIVER))
    demands = set(range(6, 13))  # the seven demands, sentences 6-12
    medium = [point.sentence for point in desk.summarize(editorial, "medium").calls_to_action]
    assert len(medium) >= 6 and set(medium) <= demands, medium  # the medium cap is 8: five left demands out
    summary = desk.summarize(editorial, "short")
    others = [point.sentence for point in summary.calls_to_action if point != summary.tldr]  # the TL;DR is listed too
    assert len(others) == 2 and set(others) <= set(medium)


def test_a_news_report_is_told_from_an_editorial(desk: Newsdesk, seed: Editorial, embedder: Embedder) -> None:
    model = RoleModel()

    def argues(editorial: Editorial) -> float:
        return model.read(editorial.sentences, embedder.encode(editorial.sentences)).argues

    report = desk.reader.from_text(FIRE)
    assert argues(report) < 0.3 < 0.5 < argues(seed)  # a report is summarised by salience alone, the seed by roles
    summary = desk.summarize(desk.add(report), "medium")
    assert summary.tldr.sentence == 1  # a report leads with its news, as salience reads it
    assert 6 not in [point.sentence for point in summary.calls_to_action]  # the quoted "We must" is not a call


def _ids(wanted: str, count: int) -> list[str]:
    """Made-up ids whose part (a hash of the id) is `wanted`."""
    ids = (f"written-{n}" for n in range(10_000))
    return [i for i in ids if part(i) == wanted][:count]


def test_the_role_model_trains_on_written_roles_and_reads_with_what_it_wrote(tmp_path: Path,
                                                                           embedder: Embedder) -> None:
    editorials, labels = tmp_path / "editorials.jsonl", tmp_path / "labels"
    labels.mkdir()
    texts = [WAITS, FAREWELL, WAITS.replace("Maria Lopez", "Ann Reyes")]
    ids = _ids("train", len(texts)) + _ids("dev", 1)
    rows = [{"id": i, "title": t.split("\n", 1)[0], "article": t.split("\n", 1)[1],
             "adus": [{"label": "anecdote", "text": t.split(". ")[1]}]}
            for i, t in zip(ids, [*texts, WAITS], strict=True)]
    editorials.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    roles = [{"editorial": i, "thesis": [9], "calls": [14], "key": [5, 8, 9]} for i in ids]
    (labels / "roles-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in roles), encoding="utf-8")

    report = train_roles(editorials, labels, tmp_path / "roles.safetensors", embedder=embedder)

    assert report.editorials == 3  # the dev editorial is not trained on
    model = RoleModel(report.path)
    assert model.name == ROLE_MODEL_NAME
    sentences = make_editorial(rows[0]["article"], ids[0]).sentences
    roles = model.read(sentences, embedder.encode(sentences))
    assert roles.thesis.shape == roles.call.shape == roles.key.shape == (len(sentences),)
    assert np.all((roles.call >= 0) & (roles.call <= 1)) and -1 <= roles.argues <= 1
    assert int(np.argmax(roles.thesis)) == 8 and int(np.argmax(roles.call)) == 13  # as written: 9 and 14
    headline = rows[0]["title"]
    headlined = model.read(sentences, embedder.encode(sentences), (headline, embedder.encode([headline])[0]))
    assert int(np.argmax(headlined.thesis)) == 8 and np.array_equal(headlined.call, roles.call)
