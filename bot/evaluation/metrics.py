"""The scores: ROUGE F1 (the `rouge-score` package, stemming on) and AUROC."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rouge_score import rouge_scorer
from scipy.stats import mannwhitneyu

__all__ = ["ROUGE_TYPES", "Rouge", "auroc", "logistic_fit"]

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


def logistic_fit(x: np.ndarray, y: np.ndarray, strength: float = 1e-3) -> np.ndarray:
    """Logistic regression of y (0 or 1) on the columns of x with an L2 penalty of `strength` times the squared
    coefficients (light by default: how the answer reader's confidence is calibrated): the coefficients, then the
    intercept."""
    from scipy.optimize import minimize

    design = np.hstack([x, np.ones((len(x), 1))])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0, z) - y * z) + strength * w[:-1] @ w[:-1])
        return value, design.T @ (p - y) + 2 * strength * np.append(w[:-1], 0.0)

    return np.asarray(minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B").x)

