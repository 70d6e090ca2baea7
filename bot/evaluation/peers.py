"""The methods newsdesk is measured against, each picking sentence numbers from the same split.

Summaries: lead-K and sumy's LexRank, TextRank, LSA and Luhn. Answers: BM25, plain MiniLM cosine, and newsdesk's own
ranking without the answer reader (the hybrid of cosine, BM25, coverage and answer type it re-reads).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from bot.engines.lexical import bm25_scores
from bot.engines.ranking import hybrid_ranking

__all__ = ["ANSWER_PEERS", "SUMMARY_PEERS"]

Picker = Callable[[Sequence[str], int], list[int]]
Ranker = Callable[[str, Sequence[str], np.ndarray, np.ndarray], np.ndarray]


class _Words:
    """sumy's word tokenizer without NLTK's downloadable data: the sentences are already split."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        return re.findall(r"[\w'’]+", text)

    def to_sentences(self, text: str) -> list[str]:
        raise NotImplementedError("sentences come split by newsdesk")


def _sumy(summarizer_class: type) -> Picker:
    def pick(sentences: Sequence[str], count: int) -> list[int]:
        words = _Words()
        parsed = [Sentence(text, words) for text in sentences]
        summarizer = summarizer_class(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        chosen = {id(s) for s in summarizer(ObjectDocumentModel([Paragraph(parsed)]), count)}
        return [i for i, s in enumerate(parsed) if id(s) in chosen]

    return pick


def _lead(sentences: Sequence[str], count: int) -> list[int]:
    return list(range(min(count, len(sentences))))


SUMMARY_PEERS: dict[str, Picker] = {
    "lead": _lead,
    "lexrank": _sumy(LexRankSummarizer),
    "textrank": _sumy(TextRankSummarizer),
    "lsa": _sumy(LsaSummarizer),
    "luhn": _sumy(LuhnSummarizer),
}


def _bm25(question: str, sentences: Sequence[str], vectors: np.ndarray, question_vector: np.ndarray) -> np.ndarray:
    return bm25_scores(question, sentences)


def _cosine(question: str, sentences: Sequence[str], vectors: np.ndarray, question_vector: np.ndarray) -> np.ndarray:
    return np.asarray(vectors @ question_vector)


def _ranking(question: str, sentences: Sequence[str], vectors: np.ndarray, question_vector: np.ndarray) -> np.ndarray:
    return hybrid_ranking(question, sentences, np.asarray(vectors @ question_vector))[0]


ANSWER_PEERS: dict[str, Ranker] = {"bm25": _bm25, "minilm-cosine": _cosine, "ranking": _ranking}
