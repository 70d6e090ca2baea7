"""The answer reader's training: pairs built as the model card says, a few steps on a tiny slice lower the loss, and
the weights it writes load over the packaged MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from bot.answer_reader import AnswerReader
from bot.training import reader_pairs, train_reader

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


def test_pairs_hold_the_answering_sentence_and_on_topic_negatives() -> None:
    pairs = reader_pairs(PARAGRAPHS, questions=4, seed=1)
    positives = [p for p in pairs if p.answers == 1.0]
    assert len(positives) == 4
    for pair in positives:
        row = next(r for r in PARAGRAPHS for qa in r["qas"] if qa["question"] == pair.question)
        qa = next(qa for qa in row["qas"] if qa["question"] == pair.question)
        assert any(answer in pair.sentence for answer in qa["answers"])
    negatives = [p for p in pairs if p.answers == 0.0]
    assert len(negatives) >= 8 and not any(p.sentence == q.sentence and p.question == q.question
                                           for p in negatives for q in positives)


def test_a_few_steps_lower_the_loss_and_the_weights_load(tmp_path: Path) -> None:
    data = tmp_path / "squad.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in PARAGRAPHS) + "\n")
    out = tmp_path / "reader.safetensors"
    report = train_reader(data, out, questions=80, batch=16, rate=1e-4, seed=3, threads=1)
    assert report.steps >= 10 and report.last_loss < report.first_loss
    written = load_file(str(out))
    assert {name.split(".")[0] for name in written} == {"encoder", "head"}
    assert all(".layer.4." in name or ".layer.5." in name or name.startswith("head.") for name in written)
    assert all(tensor.dtype == np.float16 for tensor in written.values())
    scores = AnswerReader(out).logits("What did the council ask the minister for?",
                                      ["The council asked the minister for a subsidy.", "The regulator did nothing."])
    assert np.isfinite(scores).all() and scores.shape == (2,)
