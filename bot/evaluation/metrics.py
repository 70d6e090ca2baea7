"""The scores: ROUGE F1 (the `rouge-score` package, stemming on) and AUROC."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rouge_score import rouge_scorer
from scipy.stats import mannwhitneyu

__all__ = ["ROUGE_TYPES", "Rouge", "auroc"]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")


class Rouge:
    """ROUGE-1, ROUGE-2 and ROUGE-Lsum F1, in percent, with one sentence per line on both sides."""

    def __init__(self) -> None:
        self._scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)

    def score(self, reference: Sequence[str], summary: Sequence[str]) -> dict[str, float]:
        scores = self._scorer.score("\n".join(reference), "\n".join(summary))
        return {name: 100.0 * scores[name].fmeasure for name in ROUGE_TYPES}


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    statistic = mannwhitneyu(np.asarray(positives), np.asarray(negatives)).statistic
    return float(statistic) / (len(positives) * len(negatives))
