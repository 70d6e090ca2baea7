"""Editors' questions about four real editorials of the development data, answered as newsdesk answers them.

    python bench/editorial_answers.py [--weights FILE] [--editorials FILE.jsonl]

bench/data/editorial_questions.tsv holds 48 questions written for four Webis editorials (Al Jazeera, Fox News, the
Guardian): 28 that the editorial answers, with the numbers of the sentences that do, and 20 it does not (a person,
a number, a reaction it never mentions). Prints each answer, then hit@1 (the top citation is one of the answering
sentences), the AUROC of the confidence, and the shares answered and abstained on at the default threshold. Small:
one question is 3.6 points of hit@1; a regression check beside the SQuAD 2.0 numbers, not a target.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engines.base import Indexed  # noqa: E402
from bot.engines.extractive import ExtractiveEngine  # noqa: E402
from bot.evaluation.metrics import auroc  # noqa: E402
from bot.models.answer_reader import READER_WEIGHTS, AnswerReader  # noqa: E402
from bot.models.embedder import Embedder  # noqa: E402
from bot.reading.editorial import make_editorial  # noqa: E402
from bot.settings import Settings  # noqa: E402

QUESTIONS = ROOT / "bench" / "data" / "editorial_questions.tsv"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", type=Path, default=READER_WEIGHTS)
    parser.add_argument("--editorials", type=Path,
                        default=ROOT.parent / "shared/data/eval/editorials_webis_coling20.jsonl")
    args = parser.parse_args()
    articles = {row["id"]: row["article"] for row in map(json.loads, args.editorials.open(encoding="utf-8"))}
    embedder = Embedder()
    engine = ExtractiveEngine(embedder, AnswerReader(args.weights))
    threshold = Settings().abstain_below
    indexed: dict[str, Indexed] = {}
    answered: list[float] = []
    unanswered: list[float] = []
    hits: list[bool] = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        source, question, gold = line.split("\t")
        if source not in indexed:
            editorial = make_editorial(articles[source], source)
            indexed[source] = Indexed(editorial, embedder.encode(editorial.sentences))
        answer = engine.answer(question, [indexed[source]], threshold, False)
        cited = answer.citations[0].sentence if answer.citations else None
        answering = {int(n) for n in gold.split(",") if n}
        (answered if answering else unanswered).append(answer.score)
        if answering:
            hits.append(cited in answering)
        print(f"{'answerable' if answering else 'not said  '} {answer.score:.2f} "
              f"{'abstains' if answer.abstained else 'answers '} cites {cited} (answering: {sorted(answering)}) "
              f"{question}")
    print(f"hit@1 {100 * np.mean(hits):.0f}% ({sum(hits)}/{len(hits)}); AUROC {auroc(answered, unanswered):.3f}; "
          f"answered {100 * np.mean(np.array(answered) >= threshold):.0f}% of answerable, abstained on "
          f"{100 * np.mean(np.array(unanswered) < threshold):.0f}% of the others (threshold {threshold:.2f})")


if __name__ == "__main__":
    main()
