"""Choose the answer reader's settings on the development half of SQuAD 2.0 and print what was measured.

    python bench/reader_calibration.py [../shared/data/eval/qa_squad2_dev.jsonl] [--weights FILE]

- recall@K of the bi-encoder + BM25 ranking (does the top K hold a sentence with the answer), to pick how many
  candidates the reader re-reads;
- hit@1 of the reader over those K (choosing by its logit plus a weight times the ranking's score), and the AUROC
  of the chosen sentence's logit (answerable against unanswerable);
- the confidence: logistic regression of "answerable" on the chosen sentence's logit (Platt scaling), and on the
  logit and the sentence's cosine together; the confidence at which newsdesk still answers 90% of the answerable
  questions, and the share of unanswerable ones it then abstains on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engines.extractive import _TYPE_PENALTY, _UNNAMED_SHARE  # noqa: E402
from bot.engines.lexical import coverage, unnamed  # noqa: E402
from bot.engines.ranking import ASKED_BACK, TYPE_SHARE, asked_back, hybrid_ranking, mismatches  # noqa: E402
from bot.evaluation.command import ANSWER_FIELDS  # noqa: E402
from bot.evaluation.data import read_rows  # noqa: E402
from bot.evaluation.metrics import auroc, logistic_fit  # noqa: E402
from bot.models.answer_reader import READER_WEIGHTS, AnswerReader  # noqa: E402
from bot.models.embedder import Embedder  # noqa: E402
from bot.reading.editorial import make_editorial  # noqa: E402

_TOP = 8


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared/data/eval/qa_squad2_dev.jsonl")
    parser.add_argument("--weights", type=Path, default=READER_WEIGHTS)
    parser.add_argument("--answer-share", type=float, default=0.9)
    parser.add_argument("--k", type=int, default=5, help="the candidates calibrated")
    parser.add_argument("--ranking-weight", type=float, default=0.0, help="the ranking's share in the choice")
    parser.add_argument("--precision", default="auto", help="NEWSDESK_PRECISION for both models")
    parser.add_argument("--type-penalty", type=float, default=_TYPE_PENALTY,
                        help="taken off the logit of a sentence without the number or date a question asks for")
    parser.add_argument("--unnamed-share", type=float, default=_UNNAMED_SHARE,
                        help="the confidence kept when the question names someone the text never does")
    args = parser.parse_args()
    embedder = Embedder(precision=args.precision)
    reader = AnswerReader(args.weights, precision=args.precision)
    contexts: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    found_at: list[int] = []  # answerable: the rank of the first sentence with the answer (99 when none)
    rows: list[tuple[bool, list[bool], np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]] = []
    named_out: list[bool] = []  # the question names someone the text never does
    for row in read_rows(args.data, ANSWER_FIELDS):
        key = str(row["context_id"])
        if key not in contexts:
            sentences = make_editorial(row["context"], key).sentences
            contexts[key] = (sentences, embedder.encode(sentences))
        sentences, vectors = contexts[key]
        similarity = vectors @ embedder.encode([row["question"]])[0]
        ranking, demands = hybrid_ranking(row["question"], sentences, similarity)
        order = np.argsort(-ranking)[:_TOP]
        answerable = not row["is_impossible"]
        holds = [any(gold.lower() in sentences[i].lower() for gold in row["answers"]) for i in order]
        if answerable:
            found_at.append(holds.index(True) if True in holds else 99)
        logits = reader.logits(row["question"], [sentences[i] for i in order]) + demands[order]
        missing = mismatches(row["question"], [sentences[i] for i in order])
        named_out.append(bool(unnamed(row["question"], row["context"])))
        rows.append((answerable, holds, ranking[order], similarity[order], logits - args.type_penalty * missing,
                     missing, absent(row["question"], sentences), asked_back([sentences[i] for i in order])))
    ranks = np.array(found_at)
    print("recall@K of the ranking:", {k: round(100 * float(np.mean(ranks < k)), 1) for k in (1, 2, 3, 5, 8)})
    print(f"the ranking alone: hit@1 {100 * np.mean([r[1][0] for r in rows if r[0]]):.1f}, AUROC of its top "
          f"cosine {auroc([r[3][0] for r in rows if r[0]], [r[3][0] for r in rows if not r[0]]):.3f}")
    # answerable, hit; the chosen's logit, cosine, mismatch; the log-sum-exp of the K logits (the group loss's
    # "some sentence answers" against "none" at 0), and the chosen's margin over the next best
    chosen: list[tuple[bool, bool, float, float, float, float, float, float]] = []
    for k in (3, 5, 8):
        for weight in (0.0, 2.0, 4.0, 8.0):
            tops = []
            for answerable, holds, ranking, cosine, logits, missing, unsaid, back in rows:
                best = int(np.argmax(logits[:k] + weight * ranking[:k] - ASKED_BACK * back[:k]))
                rest = np.delete(logits[:k], best)
                tops.append((answerable, answerable and holds[best], float(logits[best]), float(cosine[best]),
                             float(missing[best]), float(np.logaddexp.reduce(logits[:k])),
                             float(logits[best] - (rest.max() if len(rest) else 0.0)), unsaid))
            hits = [top[1] for top in tops if top[0]]
            print(f"K={k}, ranking weight {weight}: hit@1 {100 * np.mean(hits):.1f}, AUROC "
                  f"{auroc([t[2] for t in tops if t[0]], [t[2] for t in tops if not t[0]]):.3f}")
            if k == args.k and weight == args.ranking_weight:
                chosen = tops
    y = np.array([1.0 if top[0] else 0.0 for top in chosen])
    for label, x in (("logit", np.array([[top[2]] for top in chosen])),
                     ("logit and cosine", np.array([[top[2], top[3]] for top in chosen])),
                     ("log-sum-exp and cosine", np.array([[top[5], top[3]] for top in chosen])),
                     ("logit, log-sum-exp, margin and cosine", np.array([[top[2], top[5], top[6], top[3]]
                                                                         for top in chosen])),
                     ("logit, cosine and absent words", np.array([[top[2], top[3], top[7]] for top in chosen])),
                     ("log-sum-exp, cosine and absent words", np.array([[top[5], top[3], top[7]]
                                                                        for top in chosen]))):
        weights = logistic_fit(x, y)
        confidence = 1 / (1 + np.exp(-(x @ weights[:-1] + weights[-1])))
        confidence *= np.where([top[4] for top in chosen], TYPE_SHARE, 1.0)
        confidence *= np.where(named_out, args.unnamed_share, 1.0)
        on, off = confidence[y == 1], confidence[y == 0]
        threshold = float(np.quantile(on, 1 - args.answer_share))
        print(f"K={args.k}, ranking weight {args.ranking_weight}, confidence from the {label}: weights "
              f"{np.round(weights, 4).tolist()}, AUROC {auroc(list(on), list(off)):.3f}; answering "
              f"{100 * args.answer_share:.0f}% of answerable questions means a confidence of {threshold:.3f}; "
              f"unanswerable abstained: {100 * np.mean(off < threshold):.1f}%")


def absent(question: str, sentences: tuple[str, ...]) -> float:
    """The share of the question's content words (stemmed, stop words out) that the whole text never uses."""
    return 1.0 - float(coverage(question, [" ".join(sentences)])[0])


if __name__ == "__main__":
    main()
