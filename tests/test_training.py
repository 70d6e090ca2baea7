"""The answer reader's training: pairs built as the model card says, a few steps on a tiny slice lower the loss, and
the weights it writes load over the packaged MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

from bot.models.answer_reader import AnswerReader, _TorchReader
from bot.models.training import read_squad, reader_groups, train_reader

TOWNS = ["Oban", "Mallaig", "Ullapool", "Kirkwall", "Lerwick", "Stornoway", "Tobermory", "Brodick", "Portree",
         "Scrabster"]
THINGS = ["a subsidy", "a new pier", "more crossings", "cheaper tickets"]
PARAGRAPHS = [
    {"id": f"Ferries/{n}", "title": f"Ferries of {TOWNS[n % 10]}", "qas": [
        {"id": f"{n}a", "question": f"By how much did route {n} of the {TOWNS[n % 10]} ferry raise fares?",
         "answers": [f"{10 + n} per cent"]},
        {"id": f"{n}b", "question": f"What did the {TOWNS[n % 10]} council ask the minister for in letter {n}?",
         "answers": [THINGS[n % 4]]}],
     "context": f"Route {n} of the {TOWNS[n % 10]} ferry raised fares by {10 + n} per cent last winter. "
                f"Schools in {TOWNS[n % 10]} closed early when the timetable was cut. "
                f"The {TOWNS[n % 10]} council asked the minister for {THINGS[n % 4]} in letter {n}. "
                "Nobody in Edinburgh answered the letter."}
    for n in range(40)
]


def test_groups_hold_the_answering_sentence_on_topic_negatives_and_unanswerable_questions() -> None:
    groups = reader_groups(PARAGRAPHS, questions=12, seed=1)
    answered = [g for g in groups if g.answer == 0]
    assert len(answered) == 12
    for group in answered:
        qa = next(qa for row in PARAGRAPHS for qa in row["qas"] if qa["question"] == group.question)
        assert any(answer in group.sentences[0] for answer in qa["answers"])
        assert not any(answer in s for s in group.sentences[1:] for answer in qa["answers"])
        assert len(group.sentences) == 5  # three from its paragraph, one from another
    unanswered = [g for g in groups if g.answer == -1]
    swapped = [g for g in unanswered if g.question not in {a.question for a in answered}]
    assert swapped and unanswered != swapped  # a swapped name or number, and another paragraph's sentences
    for group in swapped:
        original = next(a for a in answered if a.sentences[0] == group.sentences[0])
        assert group.question != original.question and len(group.question.split()) >= len(original.question.split())


def test_a_few_steps_lower_the_loss_and_the_weights_load(tmp_path: Path) -> None:
    data = tmp_path / "squad.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in PARAGRAPHS) + "\n")
    out = tmp_path / "reader.safetensors"
    report = train_reader(data, out, questions=60, layers=2, batch=16, rate=1e-4, seed=3, threads=1)
    assert report.steps >= 10 and report.last_loss < report.first_loss
    written = load_file(str(out))
    assert {name.split(".")[0] for name in written} == {"encoder", "head"}
    assert all(".layer.4." in name or ".layer.5." in name or name.startswith("head.") for name in written)
    assert all(tensor.dtype == np.float16 for tensor in written.values())
    question, sentences = "What did the council ask the minister for?", ["The council asked for a subsidy.", "No."]
    reader = AnswerReader(out, tmp_path / "models", precision="float32")
    scores = reader.logits(question, sentences)
    assert np.isfinite(scores).all() and scores.shape == (2,)
    assert reader.runtime == "onnxruntime" and list((tmp_path / "models").glob("reader-*.onnx"))
    in_torch = _TorchReader(out).run([(question, sentence) for sentence in sentences])
    assert np.allclose(scores, in_torch, atol=1e-3)  # the exported graph is the trained network


def test_turned_and_rewritten_questions_make_groups_only_when_asked_for() -> None:
    rows = [{**row, "qas": [{**qa, "question": qa["question"].replace(" route ", " the first route ")}
                            for qa in row["qas"]]} for row in PARAGRAPHS]
    asked = {qa["question"] for row in rows for qa in row["qas"]}
    turned = [g for g in reader_groups(rows, questions=12, seed=1, turned=1.0, rewritten=0.0)
              if "last" in g.question.split()]
    assert turned and all(g.answer == -1 and g.question not in asked for g in turned)
    assert not [g for g in reader_groups(rows, questions=12, seed=1, turned=0.0, rewritten=0.0)
                if "last" in g.question.split()]
    plain = reader_groups(rows, questions=12, seed=1, rewritten=0.0)
    rewritten = reader_groups(rows, questions=12, seed=1, rewritten=1.0)
    new = {g.question for g in rewritten} - {g.question for g in plain} - asked
    assert new and all(g.answer == -1 for g in rewritten if g.question in new)
    assert {g.question for g in rewritten if g.answer == 0} == {g.question for g in plain if g.answer == 0}
    rhine = [{"id": "Rhine/0", "title": "Rhine",
              "context": "The Rhine emerges from Lake Constance and flows west. It is long.",
              "qas": [{"id": "r", "question": "Where does the Rhine emerge from?", "answers": ["Lake Constance"]}]}]
    assert [(g.question, g.answer) for g in reader_groups(rhine, questions=1, inverted=1.0)][-1] == \
        ("Where does the Lake Constance emerge from?", -1)
    assert reader_groups(rows, questions=12, seed=1, rewritten=0.0, inverted=0.0) == plain  # draws as they were
    without = [g for g in reader_groups(rhine, questions=1, unanswered=1.0) if g.question == rhine[0]["qas"][0]
               ["question"] and g.answer == -1 and g.sentences[0] == "The Rhine emerges and flows west."]
    assert without and reader_groups(rows, questions=12, seed=1, rewritten=0.0, unanswered=0.0) == plain


def test_a_question_without_answers_is_asked_of_its_paragraphs_closest_sentences_with_none_answering() -> None:
    unanswerable = {"id": "0u", "question": "Why did the Oban council write to Edinburgh?", "answers": []}
    written = [{**PARAGRAPHS[0], "qas": [*PARAGRAPHS[0]["qas"], unanswerable]}]
    groups = reader_groups(written, questions=10, seed=1, turned=0.0, rewritten=0.0)
    none = [g for g in groups if g.question == "Why did the Oban council write to Edinburgh?"]
    assert len(none) == 1 and none[0].answer == -1
    assert none[0].sentences[0] == "The Oban council asked the minister for a subsidy in letter 0."  # most words shared
    assert len(none[0].sentences) == 4  # the whole paragraph: it has four
    assert len([g for g in groups if g.answer == 0]) == 2  # its answerable questions as before


def test_the_command_line_trains_and_continues_from_trained_weights(tmp_path: Path) -> None:
    from bot.cli import main

    data = tmp_path / "squad.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in PARAGRAPHS) + "\n")
    first, second = tmp_path / "first.safetensors", tmp_path / "second.safetensors"
    assert main(["train", "reader", "--data", str(data), "--questions", "8", "--out", str(first)]) == 0
    written = tmp_path / "written.jsonl"
    written.write_text(json.dumps({**PARAGRAPHS[1], "qas": [{"id": "1u", "question": "Who sank the ferry?",
                                                             "answers": []}]}) + "\n")
    assert main(["train", "reader", "--data", str(data), "--data", str(written), "--questions", "8", "--questions",
                 "1", "--seed", "5", "--start", str(first), "--out", str(second)]) == 0
    with safe_open(str(second), "np") as weights:
        assert weights.metadata()["start"] == "first.safetensors"
        assert weights.metadata()["data"] == "squad.jsonl written.jsonl"
        assert weights.metadata()["questions"] == "8 1"  # a count for each file, in order
        changed = weights.get_tensor("head.weight")
    assert not np.array_equal(changed, load_file(str(first))["head.weight"])  # it went on from the first file
    assert main(["train", "reader", "--data", str(data), "--questions", "8", "--questions", "1", "--out",
                 str(tmp_path / "third.safetensors")]) == 2  # two counts for one file: said, nothing trained
    assert not (tmp_path / "third.safetensors").exists()


@pytest.mark.parametrize(("name", "paragraphs", "written"), [("unanswerable-1.jsonl", 660, 3_273),
                                                         ("unanswerable-2.jsonl", 510, 2_501),
                                                         ("unanswerable-3.jsonl", 1_233, 6_165),
                                                         ("unanswerable-4.jsonl", 234, 1_170)])
def test_the_written_unanswerable_questions_are_squad_paragraphs_with_questions_none_of_them_answers(
        name: str, paragraphs: int, written: int) -> None:
    rows = list(read_squad(Path(__file__).resolve().parent.parent / "bot" / "weights" / name))
    unanswerable = [qa for row in rows for qa in row["qas"] if not qa["answers"]]
    assert len(rows) == paragraphs and len(unanswerable) == written
    for row in rows:
        assert row["context"] and row["title"] and any(qa["answers"] for qa in row["qas"])  # SQuAD's own, too
        assert all(answer in row["context"] for qa in row["qas"] for answer in qa["answers"])
    questions = [qa["question"] for qa in unanswerable]
    assert all(q.endswith("?") for q in questions) and len(set(questions)) == len(questions)
    groups = reader_groups(rows[:20], questions=200, seed=1, turned=0.0, rewritten=0.0)
    assert {g.question for g in groups if g.answer == -1} >= {q for row in rows[:20] for q in
                                                             (qa["question"] for qa in row["qas"] if not qa["answers"])}


def test_the_written_sets_share_no_paragraph_and_no_question_and_the_kept_out_set_none_of_theirs() -> None:
    weights = Path(__file__).resolve().parent.parent / "bot" / "weights"
    rows = [row for n in (1, 2, 3, 4) for row in read_squad(weights / f"unanswerable-{n}.jsonl")]
    written = [qa["question"] for row in rows for qa in row["qas"] if not qa["answers"]]
    assert len({row["id"] for row in rows}) == len(rows) == 2_637
    assert len(set(written)) == len(written) == 13_109
    kept_out = Path(__file__).resolve().parent.parent / "bench" / "data" / "written_unanswerable_heldout.jsonl"
    held = [json.loads(line) for line in kept_out.read_text(encoding="utf-8").splitlines()]
    assert len(held) == 359 and sum(row["is_impossible"] for row in held) == 190
    assert not {row["context_id"] for row in held} & {row["id"] for row in rows}  # kept out of every training set


def test_averaged_weights_are_the_mean_of_the_files_and_load(tmp_path: Path) -> None:
    from bot.cli import main

    data = tmp_path / "squad.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in PARAGRAPHS) + "\n")
    first, second, mean = (tmp_path / f"{name}.safetensors" for name in ("first", "second", "mean"))
    assert main(["train", "reader", "--data", str(data), "--questions", "8", "--out", str(first)]) == 0
    assert main(["train", "reader", "--data", str(data), "--questions", "8", "--seed", "5", "--out", str(second)]) == 0
    assert main(["train", "reader", "--average", str(first), str(second), "--out", str(mean)]) == 0
    a, b, m = (load_file(str(path)) for path in (first, second, mean))
    assert set(m) == set(a)
    expected = (a["head.weight"].astype(np.float32) + b["head.weight"].astype(np.float32)) / 2
    assert np.allclose(m["head.weight"].astype(np.float32), expected, atol=1e-3)
    with safe_open(str(mean), "np") as weights:
        assert weights.metadata()["averaged"] == "first.safetensors second.safetensors"
    scores = AnswerReader(mean, tmp_path / "models", precision="float32").logits("Who?", ["The council.", "No."])
    assert np.isfinite(scores).all()
    assert main(["train", "reader", "--out", str(mean)]) == 2  # neither data nor files to average: a clear sentence
