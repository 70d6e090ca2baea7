"""The embedded engine: extractive summaries and quoted answers from all-MiniLM-L6-v2 and BM25.

Every point it returns is a source sentence, verbatim, with its number, so nothing it says can be
something the editorial does not say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from bot.answer import NOT_SAID, Answer, Citation
from bot.engines.answer_types import asked_type, is_heading, supplies
from bot.engines.base import Indexed, key_point_count
from bot.engines.lexical import (
    asks_for_date,
    asks_for_demands,
    asks_for_number,
    asks_for_thesis,
    bm25_scores,
    coverage,
    has_date,
    has_number,
    is_demand,
    lexical_centrality,
    unframed,
    unnamed,
)
from bot.models.answer_reader import AnswerReader
from bot.models.embedder import Embedder
from bot.summary import Point, Summary

__all__ = ["ExtractiveEngine", "asked_back", "hybrid_ranking", "mismatches"]

_CALLS = {"short": 2, "medium": 5, "long": 8}
# Salience weights, chosen on the development data (docs/quality.md has the runs).
_POSITION, _POSITION_DECAY, _LEXICAL, _LENGTH, _REDUNDANCY = 0.3, 4.0, 0.3, 0.1, 0.15
_ANSWER_BM25, _ANSWER_COVERAGE, _ANSWER_TYPE, _ANSWER_DEMAND = 0.05, 0.5, 0.1, 0.2
# A TL;DR has to stand alone, so sentences that lean on the one before ("Hence...", "This...") lose out.
_LEANS_BACK = re.compile(
    r"^(equally|secondly|thirdly|finally|hence|but|and|or|so|also|moreover|however|furthermore|this|these|that|"
    r"those|it|its|they|their|he|she|such|certainly|still|yet|then|thus|therefore|instead|indeed)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 6
# The answer reader re-reads the ranking's top candidates (recall@5 of the ranking: 99.2% on the development half)
# and chooses by its logit plus 4 times the ranking's score (hit@1 92.9% against 92.4% by the logit alone and 90.3%
# by the ranking alone; bench/reader_calibration.py). A demand, when the question asks what the editorial calls
# for, gains 1 on its logit; a second sentence almost as sure as the first is quoted too.
_CANDIDATES, _READER_RANKING, _READER_DEMAND, _SECOND_SURE = 5, 4.0, 1.0, 0.9
# A "when" or "how many" question and a sentence without a date or number: its logit loses 2 when the reader
# chooses, and its confidence is multiplied by 0.6 when it is chosen all the same.
_TYPE_PENALTY, _TYPE_SHARE = 2.0, 0.6
# A sentence that is itself a question (an editorial's rhetorical "Why would an anti-bullying advocate want Rice to
# have a second chance?") restates the question instead of answering it, and a subheading ("Tarnished credibility.")
# names what follows without saying it: either is quoted only when every candidate is one.
_ASKED_BACK = 100.0
# A question about a name the editorial never uses ("What did Governor Nathan Deal say?" of a piece that never names
# him) cannot be answered from it: the confidence is multiplied by 0.6, as when the type does not match (names are
# matched loosely, so a cut rather than a refusal).
_UNNAMED_SHARE = 0.6


class ExtractiveEngine:
    """Pick the sentences that carry the editorial, and quote the ones that answer.

    Example:
        engine = ExtractiveEngine(Embedder())
        summary = engine.summarize(Indexed(editorial, engine.embedder.encode(editorial.sentences)), "medium")
    """

    name = "extractive"
    version = "extractive-v2"  # v2: lexical centrality, exponential position prior, coverage in answers

    def __init__(self, embedder: Embedder, reader: AnswerReader | None = None) -> None:
        self.embedder = embedder
        self.reader = reader

    @property
    def model(self) -> str:
        return self.embedder.name

    @property
    def _answered_by(self) -> str:
        """The models an answer names: the sentence model, and the reader when it reads."""
        return self.model if self.reader is None else f"{self.model} + {self.reader.name}"

    def warm_up(self) -> None:
        """Load the sentence model and the reader and run them once (the first run also sets up their kernels)."""
        self.embedder.encode(["newsdesk is ready."])
        if self.reader is not None:
            self.reader.logits("Is newsdesk ready?", ["newsdesk is ready."])

    def summarize(self, indexed: Indexed, length: str) -> Summary:
        """TL;DR, key points in document order, and the sentences that demand action."""
        editorial, vectors = indexed.editorial, indexed.vectors
        sentences = editorial.sentences
        scores = _salience(sentences, vectors)
        tldr = _tldr(sentences, scores)
        demands = sorted((i for i, s in enumerate(sentences) if i != tldr and is_demand(s)),
                         key=lambda i: -scores[i])[: _CALLS[length]]
        wanted = key_point_count(len(sentences), length)
        pool = [i for i in range(len(sentences)) if i != tldr and i not in demands]
        if len(pool) < wanted:
            pool = [i for i in range(len(sentences)) if i != tldr]
        key_points = _diverse(pool, scores, vectors, wanted, chosen=[tldr])

        def point(i: int) -> Point:
            return Point(text=sentences[i], sentence=i + 1)

        return Summary(
            editorial=editorial,
            tldr=point(tldr),
            key_points=tuple(point(i) for i in sorted(key_points)),
            calls_to_action=tuple(point(i) for i in sorted(demands)),
            engine=self.name,
            model=self.model,
            length=length,
        )

    def key_sentences(self, indexed: Indexed, count: int) -> list[int]:
        """The `count` sentences (0-based, in document order) that carry the editorial, as summaries pick them."""
        scores = _salience(indexed.editorial.sentences, indexed.vectors)
        return sorted(_diverse(list(range(len(scores))), scores, indexed.vectors, count, chosen=[]))

    def answer(self, question: str, library: Sequence[Indexed], abstain_below: float, across: bool) -> Answer:
        """Quote the best-supported sentence(s), or say plainly that the editorial does not say. Asked for one
        editorial's main argument, the answer is its summary's TL;DR sentence."""
        if not across and len(library) == 1 and asks_for_thesis(question):
            return self._thesis(question, library[0])
        asked = unframed(question)  # "What does the editorial think about X?" is read as "What about X?"
        owners = [(item.editorial, number) for item in library for number in range(len(item.editorial.sentences))]
        sentences = [editorial.sentences[number] for editorial, number in owners]
        vectors = np.vstack([item.vectors for item in library])
        similarity = vectors @ self.embedder.encode([asked])[0]
        ranking, demands = hybrid_ranking(asked, sentences, similarity)
        if self.reader is None:
            order, confidence, close = _by_ranking(asked, sentences, similarity, ranking, demands)
        else:
            order, confidence, close = self._by_reader(asked, sentences, similarity, ranking, demands)
        best = int(order[0])
        if unnamed(asked, f"{owners[best][0].title}\n{owners[best][0].text}"):
            confidence *= _UNNAMED_SHARE
        # Asked for a number, a date, a name or a place, a sentence without one does not answer, however close.
        untyped = bool(mismatches(asked, [sentences[best]])[0])
        picked = [best]
        if len(order) > 1 and close and owners[int(order[1])][0] is owners[best][0]:
            picked.append(int(order[1]))
        citations = tuple(
            Citation(sentence=owners[i][1] + 1, text=sentences[i], editorial=owners[i][0])
            for i in picked  # best first: the top citation is the answer
        )
        # What an editorial calls for is what it is for: asked that, a demand it makes is the answer, however unsure.
        abstained = (confidence < abstain_below or untyped) and not demands[best]
        if abstained:
            text = "None of the stored editorials says." if across else NOT_SAID
            citations = citations[:1]
        else:
            text = " ".join(c.text for c in citations)
        return Answer(
            question=question,
            answer=text,
            abstained=abstained,
            score=max(0.0, min(1.0, confidence)),
            citations=citations,
            editorial=owners[best][0],
            engine=self.name,
            model=self._answered_by,
            across_library=across,
        )

    def _thesis(self, question: str, item: Indexed) -> Answer:
        """The editorial's main argument: the sentence its summary leads with, and the reader's confidence in it."""
        editorial = item.editorial
        best = _tldr(editorial.sentences, _salience(editorial.sentences, item.vectors))
        sentence = editorial.sentences[best]
        cosine = float(item.vectors[best] @ self.embedder.encode([question])[0])
        confidence = cosine if self.reader is None else \
            self.reader.confidence(float(self.reader.logits(question, [sentence])[0]), cosine)
        return Answer(question=question, answer=sentence, abstained=False, score=max(0.0, min(1.0, confidence)),
                      citations=(Citation(sentence=best + 1, text=sentence, editorial=editorial),),
                      editorial=editorial, engine=self.name,
                      model=self._answered_by, across_library=False)

    def _by_reader(self, question: str, sentences: Sequence[str], similarity: np.ndarray, ranking: np.ndarray,
                   demands: np.ndarray) -> tuple[np.ndarray, float, bool]:
        """The ranking's top candidates re-read by the answer reader: their order, the top one's calibrated
        confidence, and whether the second is as sure (then it is quoted too)."""
        assert self.reader is not None
        top = np.argsort(-ranking)[:_CANDIDATES]
        candidates = [sentences[i] for i in top]
        logits = self.reader.logits(question, candidates) + _READER_DEMAND * demands[top]
        logits = _under_headings(logits, top, candidates)
        missing = mismatches(question, candidates)
        logits -= _TYPE_PENALTY * missing
        choice = np.argsort(-(logits + _READER_RANKING * ranking[top] - _ASKED_BACK * unquotable(candidates)),
                            kind="stable")
        sure = [self.reader.confidence(float(logits[i]), float(similarity[top[i]])) *
                (_TYPE_SHARE if missing[i] else 1.0) for i in choice[:2]]
        close = len(sure) > 1 and sure[1] >= _SECOND_SURE * sure[0]
        return top[choice], sure[0], close


def asked_back(sentences: Sequence[str]) -> np.ndarray:
    """1.0 for each sentence that is itself a question (ending with "?", not with a quoted title like "Naked?\"")."""
    return np.array([float(s.rstrip().endswith("?")) for s in sentences])


def _under_headings(scores: np.ndarray, top: np.ndarray, candidates: Sequence[str]) -> np.ndarray:
    """A subheading names what the sentence after it says: that sentence scores at least what its heading does."""
    scores = scores.copy()
    where = {int(i): k for k, i in enumerate(top)}
    for k, i in enumerate(top):
        after = where.get(int(i) + 1)
        if after is not None and is_heading(candidates[k]):
            scores[after] = max(scores[after], scores[k])
    return scores


def unquotable(sentences: Sequence[str]) -> np.ndarray:
    """1.0 for each sentence that answers nothing on its own: a question asked back, or a subheading."""
    return np.maximum(asked_back(sentences), np.array([float(is_heading(s)) for s in sentences]))


def mismatches(question: str, sentences: Sequence[str]) -> np.ndarray:
    """1.0 for each sentence that does not supply the number, date, name or place the question asks for (one the
    question does not already hold), else 0.0."""
    kind = asked_type(question)
    return np.array([float(kind is not None and not supplies(question, s, kind)) for s in sentences])


def _by_ranking(question: str, sentences: Sequence[str], similarity: np.ndarray, ranking: np.ndarray,
                demands: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Without the reader: the hybrid ranking's order; the top sentence's cosine as the confidence (of the signals
    measured, it separates answerable questions best: docs/quality.md)."""
    order = np.argsort(-(ranking - _ASKED_BACK * unquotable(sentences)), kind="stable")
    best = int(order[0])
    confidence = float(similarity[best]) + _ANSWER_DEMAND * float(demands[best])
    confidence *= _TYPE_SHARE if mismatches(question, [sentences[best]])[0] else 1.0
    close = len(order) > 1 and ranking[order[1]] >= 0.95 * ranking[best]
    return order, confidence, bool(close)


def hybrid_ranking(question: str, sentences: Sequence[str], similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How well each sentence matches the question by the bi-encoder, BM25, word coverage and answer type, and
    which sentences are demands a "what does it call for" question asks for (1.0) or not (0.0)."""
    lexical = bm25_scores(question, sentences)
    lexical_share = lexical / lexical.max() if lexical.max() > 0 else lexical
    wants_number, wants_date = asks_for_number(question), asks_for_date(question)
    fits = np.array([(wants_number and has_number(s)) or (wants_date and has_date(s)) for s in sentences])
    demands = np.array([float(is_demand(s)) for s in sentences]) if asks_for_demands(question) \
        else np.zeros(len(sentences))
    ranking = (similarity + _ANSWER_BM25 * lexical_share + _ANSWER_COVERAGE * coverage(question, sentences)
               + _ANSWER_TYPE * fits + _ANSWER_DEMAND * demands)
    return _under_headings(ranking, np.arange(len(sentences)), sentences), demands


def _tldr(sentences: Sequence[str], scores: np.ndarray) -> int:
    """The summary's lead: the most salient full sentence (not a question, not one leaning on the one before)."""
    asks = asked_back(sentences)
    full = [i for i, s in enumerate(sentences) if len(s.split()) >= _MIN_WORDS and not asks[i]]
    return max(full or range(len(sentences)), key=lambda i: scores[i] - 0.1 * bool(_LEANS_BACK.match(sentences[i])))


def _salience(sentences: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """How much each sentence carries the whole.

    Measured on the development half of ../shared/data/eval (docs/quality.md): closeness to the embedding
    centroid, plus lexical centrality (TF-IDF), plus an early-position prior (news and editorials both put
    the point first), plus a small preference for full-length sentences; fragments and questions lose.
    """
    count = len(sentences)
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    words = np.array([len(sentence.split()) for sentence in sentences])
    scores = (
        vectors @ centroid
        + _POSITION * np.exp(-np.arange(count) / _POSITION_DECAY)
        + _LEXICAL * lexical_centrality(sentences)
        + _LENGTH * np.minimum(words, 25) / 25
    )
    scores -= 0.2 * (words < _MIN_WORDS)
    scores -= 0.1 * asked_back(sentences)
    return np.asarray(scores)


def _diverse(pool: list[int], scores: np.ndarray, vectors: np.ndarray, wanted: int, chosen: list[int]) -> list[int]:
    """Maximal marginal relevance: salient sentences that do not repeat what is already chosen."""
    picked: list[int] = []
    candidates = list(pool)
    while candidates and len(picked) < wanted:
        taken = chosen + picked
        redundancy = (vectors[candidates] @ vectors[taken].T).max(axis=1) if taken else np.zeros(len(candidates))
        best = max(range(len(candidates)), key=lambda k: scores[candidates[k]] - _REDUNDANCY * redundancy[k])
        picked.append(candidates.pop(best))
    return picked
