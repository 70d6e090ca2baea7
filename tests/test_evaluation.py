"""`newsdesk eval`: metrics computed on small files whose right answers are known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rouge_score import rouge_scorer

from bot import Newsdesk
from bot.cli import main
from bot.evaluation.answers import evaluate_answers
from bot.evaluation.arguments import evaluate_arguments
from bot.evaluation.metrics import auroc
from bot.evaluation.summaries import budget_for, evaluate_summaries

ARTICLE = ("The city council voted on Tuesday to close the central library. "
           "Officials said the building needs repairs costing four million pounds. "
           "Residents have collected ten thousand signatures against the closure. "
           "The library lent more books last year than any other branch in the county. "
           "A final decision on the building is expected in March.")
LEAD_THREE = ARTICLE.split(". ")[:3]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path


def test_auroc_on_known_scores() -> None:
    assert auroc([0.9, 0.8], [0.1, 0.85]) == pytest.approx(0.75)
    assert auroc([0.5], [0.5]) == pytest.approx(0.5)
    assert auroc([0.9, 0.7], [0.2, 0.1]) == pytest.approx(1.0)


@pytest.mark.parametrize(("count", "sentences", "ratio", "budget"),
                         [(10, 3, None, 3), (10, 3, 0.4, 4), (2, 3, None, 2), (5, 3, 0.01, 1)])
def test_the_sentence_budget(count: int, sentences: int, ratio: float | None, budget: int) -> None:
    assert budget_for(count, sentences, ratio) == budget


def test_lead_scores_100_when_the_reference_is_the_lead(desk: Newsdesk, tmp_path: Path) -> None:
    reference = ". ".join(LEAD_THREE) + "."
    result = evaluate_summaries(desk, [{"id": "a", "article": ARTICLE, "reference": reference}], peers=True,
                                outputs=tmp_path / "out.jsonl")
    assert result["rows"] == 1 and result["budget"] == "3 sentences"
    assert result["systems"]["lead"] == {"rouge1": 100.0, "rouge2": 100.0, "rougeLsum": 100.0}
    assert set(result["systems"]) == {"newsdesk", "lead", "lexrank", "textrank", "lsa", "luhn"}
    written = json.loads((tmp_path / "out.jsonl").read_text())
    summary_lines = written["summary"].split("\n")
    assert written["id"] == "a" and len(summary_lines) == 3 and all(line in ARTICLE for line in summary_lines)
    rescored = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True).score(
        "\n".join(s + "." for s in LEAD_THREE), written["summary"])["rouge2"].fmeasure
    assert result["systems"]["newsdesk"]["rouge2"] == pytest.approx(100 * rescored, abs=0.01)


def test_answers_hit_abstention_and_auroc_agree_with_the_outputs(desk: Newsdesk, tmp_path: Path) -> None:
    context = ARTICLE
    rows = [
        {"id": "q1", "context_id": "c", "context": context, "question": "How much will the repairs cost?",
         "answers": ["four million pounds"], "is_impossible": False},
        {"id": "q2", "context_id": "c", "context": context, "question": "How many signatures did residents collect?",
         "answers": ["ten thousand"], "is_impossible": False},
        {"id": "q3", "context_id": "c", "context": context, "question": "Who is the mayor of the city?",
         "answers": [], "is_impossible": True},
        {"id": "q4", "context_id": "c", "context": context, "question": "What colour is the library roof?",
         "answers": [], "is_impossible": True},
    ]
    result = evaluate_answers(desk, rows, peers=True, outputs=tmp_path / "out.jsonl")
    outputs = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o["id"] for o in outputs] == ["q1", "q2", "q3", "q4"]
    assert result["systems"]["newsdesk"]["hit_at_1"] == 100.0
    assert result["systems"]["newsdesk"]["auroc"] == pytest.approx(
        auroc([outputs[0]["score"], outputs[1]["score"]], [outputs[2]["score"], outputs[3]["score"]]), abs=0.01)
    abstained = [o["abstained"] for o in outputs]
    assert result["abstains_on_answerable"] == 50.0 * sum(abstained[:2])
    assert result["abstains_on_unanswerable"] == 50.0 * sum(abstained[2:])
    assert set(result["systems"]) == {"newsdesk", "bm25", "minilm-cosine", "ranking"}
    assert all(set(o) >= {"answer", "abstained", "score", "citations"} for o in outputs)


def test_argument_share_counts_labelled_characters(desk: Newsdesk) -> None:
    sentences = ARTICLE.split(". ")
    adus = [{"label": "anecdote", "text": sentences[0]}, {"label": "assumption", "text": sentences[1]},
            {"label": "assumption", "text": sentences[2]}]
    result = evaluate_arguments(desk, [{"id": "e", "article": ARTICLE, "adus": adus}], sentences=1, peers=True)
    assert result["systems"]["lead"]["argument_share"] == 0.0
    assert result["verbatim_points"] == 100.0 and result["editorials"] == 1


def test_eval_command_prints_a_table_and_json(desk: Newsdesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "eval.db"))
    data = write_jsonl(tmp_path / "s.jsonl", [{"id": "a", "article": ARTICLE, "reference": ARTICLE}])
    assert main(["eval", "summaries", str(data), "--ratio", "0.4", "--peers"]) == 0
    table = capsys.readouterr().out
    assert "budget 40% of the sentences" in table and "lead" in table and "rouge2" in table
    assert main(["eval", "summaries", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["systems"]["newsdesk"]["rouge1"] > 0


@pytest.mark.parametrize(("content", "message"), [("{not json\n", "Line 1 of bad.jsonl is not JSON."),
                                                  ('{"id": 1}\n', "Line 1 of bad.jsonl has no article, reference")])
def test_a_broken_evaluation_file_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], content: str,
                                                  message: str) -> None:
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "eval.db"))
    (tmp_path / "bad.jsonl").write_text(content)
    assert main(["eval", "summaries", str(tmp_path / "bad.jsonl")]) == 2
    assert message in capsys.readouterr().err


def test_written_editorial_questions_are_scored_by_kind_and_agree_with_the_answers(
        desk: Newsdesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`newsdesk eval answers` on written questions (the shape of bot/weights/editorials/questions-*.jsonl): each
    figure is what newsdesk's own answers, asked one by one, make of them."""
    from bot.engines import Indexed
    from bot.reading.editorial import make_editorial

    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "eval.db"))
    editorials = write_jsonl(tmp_path / "webis.jsonl", [{"id": "library", "article": ARTICLE}])
    sentences = make_editorial(ARTICLE, "library").sentences
    questions = [("When is a final decision on the library expected?", "factual", [5]),
                 ("How many people signed against the closure?", "paraphrase", [3]),
                 ("Why does the council want to close the library?", "why", [2]),
                 ("Who is the chief librarian?", "unanswerable", []),
                 ("What did the mayor say about the vote?", "unanswerable", [])]
    rows = [{"editorial": "library", "question": q, "kind": kind, "sentences": gold,
             "texts": [sentences[n - 1] for n in gold]} for q, kind, gold in questions]
    folder = tmp_path / "written"
    folder.mkdir()
    write_jsonl(folder / "questions-1.jsonl", rows)
    assert main(["eval", "answers", str(folder), "--editorials", str(editorials), "--peers", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)

    indexed = Indexed(make_editorial(ARTICLE, "library"), desk.embedder.encode(sentences))
    answers = [desk.engine.answer(q, [indexed], desk.settings.abstain_below, across=False) for q, _, _ in questions]
    right = [not a.abstained and a.chosen.sentence in gold
             for a, (_, _, gold) in zip(answers, questions, strict=True) if gold]
    declined = [a.abstained for a, (_, _, gold) in zip(answers, questions, strict=True) if not gold]
    assert result["questions"] == 5 and result["editorials"] == 1
    assert result["answerable_right"] == pytest.approx(100 * sum(right) / 3, abs=0.1)
    assert result["unanswerable_declined"] == pytest.approx(100 * sum(declined) / 2, abs=0.1)
    assert set(result["by_kind"]) == {"factual", "paraphrase", "why", "unanswerable"}
    assert {"newsdesk", "bm25", "minilm-cosine"} <= set(result["systems"])
    assert main(["eval", "answers", str(folder / "questions-1.jsonl")]) == 2  # written questions need --editorials
    assert "--editorials" in capsys.readouterr().err


OPINION = ("The library must stay open\n"
           "The city council voted on Tuesday to close the central library. "
           "Closing it would be a mistake the city cannot afford. "
           "The library lent more books last year than any other branch in the county. "
           "Residents have collected ten thousand signatures against the closure. "
           "The council should reverse its vote before the budget is set in March. "
           "Officials say repairs would cost four million pounds.")


def test_written_roles_score_the_summary_and_each_peer_where_it_makes_that_part(
        desk: Newsdesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`newsdesk eval editorials --roles` (the shape of bot/weights/editorials/roles-*.jsonl): each figure is what
    newsdesk's own summary, made alone, and the peers' rules make of the labels."""
    from bot.engines import Indexed
    from bot.reading.editorial import make_editorial

    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "eval.db"))
    editorials = write_jsonl(tmp_path / "webis.jsonl", [{"id": "library", "article": OPINION}])
    roles = {"editorial": "library", "thesis": [2], "calls": [5], "key": [2, 3, 4, 5], "scene": [1]}
    folder = tmp_path / "written"
    folder.mkdir()
    write_jsonl(folder / "roles-1.jsonl", [roles])
    assert main(["eval", "editorials", str(editorials), "--roles", str(folder), "--peers", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)

    editorial = make_editorial(OPINION, "library")
    summary = desk.engine.summarize(Indexed(editorial, desk.embedder.encode(editorial.sentences)), "medium")
    listed = [p.sentence for p in summary.calls_to_action]
    newsdesk, lead, rule = (result["systems"][name] for name in ("newsdesk", "lead", "should-must"))
    assert result["editorials"] == 1
    assert newsdesk["tldr_is_thesis"] == (100.0 if summary.tldr.sentence == 2 else 0.0)
    assert newsdesk["calls_recall"] == (100.0 if 5 in listed else 0.0)
    assert newsdesk["key_precision"] == pytest.approx(
        100 * sum(p.sentence in {2, 3, 4, 5} for p in summary.key_points) / len(summary.key_points), abs=0.1)
    assert lead["tldr_is_thesis"] == 0.0 and lead["calls_precision"] is None  # sentence 1 sets the scene
    assert rule == {"tldr_is_thesis": None, "thesis_in_summary": None, "calls_precision": 100.0,
                    "calls_recall": 100.0, "no_call_clean": None, "key_precision": None}
    assert main(["eval", "editorials", str(editorials), "--roles", str(tmp_path / "none.jsonl")]) == 2
