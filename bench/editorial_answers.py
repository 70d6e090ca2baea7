"""The written editorial questions (bot/weights/editorials/), answered as newsdesk answers them, and the answer
settings fitted on their development part.

    python bench/editorial_answers.py [--part dev|kept|train] [--weights FILE] [--peers]
    python bench/editorial_answers.py --fit [--logit-only] [--weights FILE]
    python bench/editorial_answers.py --passage [--weights FILE]

Without --fit: `newsdesk eval answers` on one part (the same function), with BM25 and MiniLM cosine as peers when
asked. With --fit, on the dev part only (the kept part is reported, never tuned on): the confidence's constants
(logistic regression of "answerable" on the chosen sentence's logit, and its cosine unless --logit-only, as
bot/models/answer_reader.py uses them) and the share right at each threshold; with --passage, how far a quoted passage
reaches (_STRONG, _JOINS, _WHY_LEANS in bot/engines/extractive.py) by the precision and recall of the quoted
sentences. The reader's logits are kept per question and sentence, so the settings are tried on the real engine
without reading twice.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.engines.extractive as extractive  # noqa: E402
import bot.models.answer_reader as answer_reader  # noqa: E402
from bot.app import build_newsdesk  # noqa: E402
from bot.engines.extractive import ExtractiveEngine  # noqa: E402
from bot.evaluation.data import written_rows  # noqa: E402
from bot.evaluation.editorial_questions import QUESTION_FIELDS, evaluate_editorial_questions  # noqa: E402
from bot.evaluation.metrics import auroc, logistic_fit  # noqa: E402
from bot.models.answer_reader import READER_WEIGHTS, AnswerReader  # noqa: E402
from bot.models.embedder import Embedder  # noqa: E402
from bot.reading.editorial import Editorial  # noqa: E402
from bot.settings import Settings  # noqa: E402

WRITTEN = ROOT / "bot" / "weights" / "editorials"
EDITORIALS = ROOT.parent / "shared" / "data" / "eval" / "editorials_webis_coling20.jsonl"


class KeptReader(AnswerReader):
    """The answer reader, remembering each (question, sentence) logit and the features of each confidence asked."""

    def __init__(self, weights: Path) -> None:
        super().__init__(weights)
        self.known: dict[tuple[str, str], float] = {}
        self.asked: list[tuple[float, float]] = []

    def logits(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        new = [s for s in dict.fromkeys(sentences) if (question, s) not in self.known]
        if new:
            self.known.update(zip(((question, s) for s in new), map(float, super().logits(question, new)),
                                  strict=True))
        return np.array([self.known[(question, s)] for s in sentences], dtype=np.float32)

    def confidence(self, logit: float, cosine: float) -> float:
        self.asked.append((logit, cosine))
        return super().confidence(logit, cosine)


class KeptEmbedder(Embedder):
    """The sentence model, remembering what it encoded (each pass of the fit encodes the same editorials)."""

    def __init__(self) -> None:
        super().__init__()
        self.known: dict[tuple[str, ...], np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        key = tuple(texts)
        if key not in self.known:
            self.known[key] = super().encode(texts)
        return self.known[key]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", default="dev", choices=("train", "dev", "kept"))
    parser.add_argument("--weights", type=Path, default=READER_WEIGHTS)
    parser.add_argument("--editorials", type=Path, default=EDITORIALS)
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--fit", action="store_true", help="fit the confidence and threshold on the dev part")
    parser.add_argument("--logit-only", action="store_true", help="fit the confidence on the reader's logit alone")
    parser.add_argument("--passage", action="store_true", help="fit only how far a quoted passage reaches")
    args = parser.parse_args()
    if (args.fit or args.passage) and args.part != "dev":
        sys.exit("The settings are fitted on the dev part only: the kept part is reported, never tuned on.")
    rows, editorials = written_rows(WRITTEN, "questions", QUESTION_FIELDS, args.editorials, args.part)
    desk = build_newsdesk(Settings(db_path=Path(tempfile.mkdtemp()) / "library.db"), embedder=KeptEmbedder())
    reader = KeptReader(args.weights)
    desk.engine = ExtractiveEngine(desk.embedder, reader)
    if args.passage:
        fit_passage(desk, rows, editorials)
    elif args.fit:
        fit(desk, reader, rows, editorials, args.logit_only)
    else:
        print(json.dumps(evaluate_editorial_questions(desk, rows, editorials, peers=args.peers), indent=2))


def fit(desk: Any, reader: KeptReader, rows: list[dict[str, Any]], editorials: dict[str, Editorial],
        logit_only: bool = False) -> None:
    """Fit the confidence, then the threshold; each answer's features go to build/editorial-dev-answers.jsonl."""
    answer = desk.engine.answer
    noted: list[dict[str, Any]] = []

    def answer_noting(*args: Any, **named: Any) -> Any:  # the first confidence asked is the chosen one's
        reader.asked.clear()
        given = answer(*args, **named)
        logit, cosine = reader.asked[0] if reader.asked else (np.nan, np.nan)
        noted.append({"logit": logit, "cosine": cosine, "abstained": given.abstained,
                      "chosen": given.chosen.sentence, "cited": [c.sentence for c in given.citations]})
        return given

    desk.engine.answer = answer_noting
    evaluate_editorial_questions(desk, rows, editorials)
    desk.engine.answer = answer
    with (ROOT / "build" / "editorial-dev-answers.jsonl").open("w", encoding="utf-8") as out:
        for row, note in zip(rows, noted, strict=True):
            out.write(json.dumps({k: row[k] for k in ("editorial", "question", "kind", "sentences")} | note) + "\n")
    x = np.array([(note["logit"], note["cosine"]) for note in noted])
    y = np.array([bool(row["sentences"]) for row in rows], dtype=float)
    usable = ~np.isnan(x).any(axis=1)
    if logit_only:  # the cosine left out: on written traps, which borrow the editorial's words, it learns to mislead
        weights = np.insert(logistic_fit(x[usable][:, :1], y[usable]), 1, 0.0)
    else:
        weights = logistic_fit(x[usable], y[usable])
    line = x @ weights[:2]
    print(f"confidence: _LOGIT, _COSINE, _SHIFT = {weights[0]:.3f}, {weights[1]:.3f}, {weights[2]:.3f} "
          f"(before {answer_reader._LOGIT}, {answer_reader._COSINE}, {answer_reader._SHIFT}); AUROC of the fitted "
          f"line {auroc(list(line[usable & (y == 1)]), list(line[usable & (y == 0)])):.3f}")
    answer_reader._LOGIT, answer_reader._COSINE, answer_reader._SHIFT = map(float, weights)
    best: tuple[float, float] = (-1.0, 0.0)
    for threshold in np.arange(0.10, 0.71, 0.03):
        desk.settings = replace(desk.settings, abstain_below=float(threshold))
        result = evaluate_editorial_questions(desk, rows, editorials)
        print(f"threshold {threshold:.2f}: answerable right {result['answerable_right']}, unanswerable declined "
              f"{result['unanswerable_declined']}, all right {result['all_right']}, AUROC {result['auroc']}")
        best = max(best, (result["all_right"], float(threshold)))
    print(f"best threshold {best[1]:.2f} (all right {best[0]})")


def fit_passage(desk: Any, rows: list[dict[str, Any]], editorials: dict[str, Editorial]) -> None:
    """How far a quoted passage reaches: the precision and recall of its sentences against the written answers."""
    for why in (False, True):
        for strong in (0.5, 1.0, 2.0):
            for joins in (0.0, 1.5, 3.0):
                extractive._JOINS, extractive._STRONG, extractive._WHY_LEANS = joins, strong, why
                quoted = evaluate_editorial_questions(desk, rows, editorials)["quoted"]
                print(f"_WHY_LEANS {why}, _STRONG {strong}, _JOINS {joins}: quoted precision {quoted['precision']}, "
                      f"recall {quoted['recall']}, {quoted['sentences']} sentences an answer", flush=True)


if __name__ == "__main__":
    main()
