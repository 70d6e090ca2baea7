"""Choose the answer reader's settings on the development half of SQuAD 2.0 and print what was measured.

    python bench/reader_calibration.py [../shared/data/eval/qa_squad2_dev.jsonl] [--weights FILE]

- recall@K of the bi-encoder + BM25 ranking (does the top K hold a sentence with the answer), to pick how many
  candidates the reader re-reads;
- hit@1 of the reader over those K, and the AUROC of its top logit (answerable against unanswerable);
- Platt scaling of that logit (logistic regression, answerable = 1), and the confidence at which newsdesk still
  answers 90% of the answerable questions, with the share of unanswerable ones it then abstains on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer_reader import READER_WEIGHTS, AnswerReader  # noqa: E402
from bot.editorial import make_editorial  # noqa: E402
from bot.embedder import Embedder  # noqa: E402
from bot.engines.extractive import hybrid_ranking  # noqa: E402
from bot.evaluation.command import ANSWER_FIELDS  # noqa: E402
from bot.evaluation.data import read_rows  # noqa: E402
from bot.evaluation.metrics import auroc  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared/data/eval/qa_squad2_dev.jsonl")
    parser.add_argument("--weights", type=Path, default=READER_WEIGHTS)
    parser.add_argument("--answer-share", type=float, default=0.9)
    args = parser.parse_args()
    embedder, reader = Embedder(), AnswerReader(args.weights)
    contexts: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    found_at: list[int] = []  # answerable: the rank of the first sentence with the answer (99 when none)
    tops: dict[int, list[tuple[bool, bool, float]]] = {k: [] for k in (3, 5, 8, 12)}
    for row in read_rows(args.data, ANSWER_FIELDS):
        key = str(row["context_id"])
        if key not in contexts:
            sentences = make_editorial(row["context"], key).sentences
            contexts[key] = (sentences, embedder.encode(sentences))
        sentences, vectors = contexts[key]
        ranking, demands = hybrid_ranking(row["question"], sentences, vectors @ embedder.encode([row["question"]])[0])
        order = np.argsort(-ranking)
        answerable = not row["is_impossible"]
        holds = [any(gold.lower() in sentences[i].lower() for gold in row["answers"]) for i in order]
        if answerable:
            found_at.append(holds.index(True) if True in holds else 99)
        logits = reader.logits(row["question"], [sentences[i] for i in order[:12]]) + demands[order[:12]]
        for k in tops:
            best = int(np.argmax(logits[:k]))
            tops[k].append((answerable, answerable and holds[best], float(logits[best])))
    ranks = np.array(found_at)
    print("recall@K of the ranking:", {k: round(100 * float(np.mean(ranks < k)), 1) for k in (1, 2, 3, 5, 8, 12)})
    for k, results in tops.items():
        hits = [hit for answerable, hit, _ in results if answerable]
        on = [logit for answerable, _, logit in results if answerable]
        off = [logit for answerable, _, logit in results if not answerable]
        print(f"K={k}: hit@1 {100 * np.mean(hits):.1f}, AUROC {auroc(on, off):.3f}")
    _, results = 5, tops[5]
    x = np.array([logit for _, _, logit in results])
    y = np.array([1.0 if answerable else 0.0 for answerable, _, _ in results])
    scale, shift = _platt(x, y)
    threshold = float(np.quantile([logit for answerable, _, logit in results if answerable], 1 - args.answer_share))
    confidence = 1 / (1 + np.exp(-(scale * threshold + shift)))
    abstains = np.mean([logit < threshold for answerable, _, logit in results if not answerable])
    print(f"Platt: scale {scale:.4f}, shift {shift:.4f}; answering {100 * args.answer_share:.0f}% of answerable "
          f"questions means a logit of {threshold:.3f}, confidence {confidence:.3f}; unanswerable abstained: "
          f"{100 * abstains:.1f}%")


def _platt(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Logistic regression of y on x by Newton's method."""
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a * x + b)))
        gradient = np.array([np.sum((p - y) * x), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        hessian = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
        step = np.linalg.solve(hessian + 1e-6 * np.eye(2), gradient)
        a, b = a - step[0], b - step[1]
    return float(a), float(b)


if __name__ == "__main__":
    main()
