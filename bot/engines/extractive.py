"""The embedded engine: extractive summaries and quoted answers from all-MiniLM-L6-v2 and BM25.

Every point it returns is a source sentence, verbatim, with its number, so nothing it says can be
something the editorial does not say.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.answer import NOT_SAID, Answer, Citation
from bot.engines.answer_types import asked_type, gives_reason
from bot.engines.base import Indexed, key_point_count
from bot.engines.lexical import (
    asks_for_thesis,
    asks_why,
    leans_back,
    unframed,
    unnamed,
)
from bot.engines.ranking import (
    ASKED_BACK,
    TYPE_SHARE,
    by_ranking,
    hybrid_ranking,
    mismatches,
    under_headings,
    unquotable,
)
from bot.engines.roles import RoleModel, Roles
from bot.engines.salience import diverse, lead_and_key, tldr_of
from bot.models.answer_reader import AnswerReader
from bot.models.embedder import Embedder
from bot.reading.editorial import Editorial
from bot.summary import Point, Summary

__all__ = ["ExtractiveEngine"]

# A summary lists the sentences the role model gives at least _CALL_ABOVE of being the editorial's own calls, the
# likeliest _CALLS[length] and the TL;DR when it is one. Both by five-fold cross-validation over the written roles'
# train and dev parts (docs/quality.md, "Roles v2" and "Roles v3"; bench/roles.py --folds): some editorials make 8-19
# demands, and a medium cap of 8 rather than 5 lists 44.8% of the demands rather than 41.4, at 72.5% precision
# rather than 71.8.
_CALLS = {"short": 2, "medium": 8, "long": 12}
_CALL_ABOVE = 0.4
# The answer reader re-reads the ranking's top candidates (recall@5 of the ranking: 99.2% on the development half)
# and chooses by its logit plus 4 times the ranking's score (hit@1 92.9% against 92.4% by the logit alone and 90.3%
# by the ranking alone; bench/reader_calibration.py). A demand, when the question asks what the editorial calls
# for, gains 1 on its logit.
_CANDIDATES, _READER_RANKING, _READER_DEMAND = 5, 4.0, 1.0
# A "when" or "how many" question and a sentence without a date or number: its logit loses 2 when the reader
# chooses, and its confidence is multiplied by TYPE_SHARE when it is chosen all the same.
_TYPE_PENALTY = 2.0
# A question about a name the editorial never uses ("What did Governor Nathan Deal say?" of a piece that never names
# him) cannot be answered from it: the confidence is multiplied by 0.6, as when the type does not match (names are
# matched loosely, so a cut rather than a refusal).
_UNNAMED_SHARE = 0.6
# A why, a view or a call is answered by every sentence that answers it, 4 at most: the best one; any other whose
# logit is at least _JOINS and within _STRONG of its; its neighbours in the editorial (up to 2 sentences away) while
# the reader's logit for the next one is at least _JOINS, or while they are demands and demands were asked for; and,
# asked why, the sentence after it when that one leans on it ("It marks the day...") or opens with "Because".
_REACH, _STRONG, _JOINS, _PASSAGE, _WHY_LEANS = 2, 0.5, 1.5, 4, True
# Without the reader, the second sentence of the ranking is quoted too when its score is 95% of the first's.
_RANKING_SURE = 0.95


class ExtractiveEngine:
    """Pick the sentences that carry the editorial, and quote the ones that answer.

    Example:
        engine = ExtractiveEngine(Embedder())
        summary = engine.summarize(Indexed(editorial, engine.embedder.encode(editorial.sentences)), "medium")
    """

    name = "extractive"
    version = "extractive-v5"  # v3: summaries from sentence roles; v4: the headline read for the thesis, the TL;DR
    # among the calls; v5: up to 8 calls and 4 key points at medium (a summary cached by an earlier version is not
    # served again)

    def __init__(self, embedder: Embedder, reader: AnswerReader | None = None, roles: RoleModel | None = None) -> None:
        self.embedder = embedder
        self.reader = reader
        self.roles = roles or RoleModel()

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
        """TL;DR (the sentence that best states the thesis), key points in document order, and the editorial's own
        calls to action (the TL;DR among them when it is one: the list is all the editorial demands)."""
        editorial, vectors = indexed.editorial, indexed.vectors
        sentences = editorial.sentences
        roles, lead, key = self._picks(indexed)
        tldr = tldr_of(sentences, lead)
        demands = sorted((i for i in range(len(sentences)) if i != tldr and roles.call[i] >= _CALL_ABOVE),
                         key=lambda i: -roles.call[i])[: _CALLS[length]]
        demands += [tldr] if roles.call[tldr] >= _CALL_ABOVE else []
        wanted = key_point_count(len(sentences), length)
        pool = [i for i in range(len(sentences)) if i != tldr and i not in demands]
        if len(pool) < wanted:
            pool = [i for i in range(len(sentences)) if i != tldr]
        key_points = diverse(pool, key, vectors, wanted, chosen=[tldr])

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
        key = self._picks(indexed)[2]
        return sorted(diverse(list(range(len(key))), key, indexed.vectors, count, chosen=[]))

    def _picks(self, indexed: Indexed) -> tuple[Roles, np.ndarray, np.ndarray]:
        """The roles of the editorial's sentences, and how well each would lead the summary and be a key point."""
        sentences, vectors, headline = indexed.editorial.sentences, indexed.vectors, indexed.editorial.headline
        roles = self.roles.read(sentences, vectors,
                                None if headline is None else (headline, self.embedder.encode([headline])[0]))
        return (roles, *lead_and_key(sentences, vectors, roles))

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
        scored: dict[int, float] = {}  # the reader's logits of the sentences it read, by place in `sentences`
        if self.reader is None:
            order, confidence = by_ranking(asked, sentences, similarity, ranking, demands)
        else:
            order, confidence = self._by_reader(asked, sentences, similarity, ranking, demands, scored)
        best = int(order[0])
        if unnamed(asked, f"{owners[best][0].title}\n{owners[best][0].text}"):
            confidence *= _UNNAMED_SHARE
        # Asked for a number, a date, a name or a place, a sentence without one does not answer, however close.
        untyped = bool(mismatches(asked, [sentences[best]])[0])
        # What an editorial calls for is what it is for: asked that, a demand it makes is the answer, however unsure.
        abstained = (confidence < abstain_below or untyped) and not demands[best]
        if untyped and abstained:  # nothing gives what was asked: the pointer is the sentence closest to the topic
            best = int(np.argmax(ranking - ASKED_BACK * unquotable(sentences)))
        picked = [best]  # abstaining, the closest sentence as a pointer; a number, a date, a name: one sentence
        if not abstained and asked_type(asked) is None:  # a why, a view, a call: every sentence that answers
            picked = self._passage(asked, sentences, owners, order, ranking, demands, scored)
        lead = best  # asked why, a "Because..." after the chosen sentence is the reason itself, and leads the answer
        if best + 1 in picked and asks_why(asked) and gives_reason(sentences[best + 1]):
            lead = best + 1
        citations = tuple(Citation(sentence=owners[i][1] + 1, text=sentences[i], editorial=owners[i][0])
                          for i in picked)
        if abstained:
            text = "None of the stored editorials says." if across else NOT_SAID
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
            lead=picked.index(lead),
        )

    def _thesis(self, question: str, item: Indexed) -> Answer:
        """The editorial's main argument: the sentence its summary leads with, and the reader's confidence in it."""
        editorial = item.editorial
        best = tldr_of(editorial.sentences, self._picks(item)[1])
        sentence = editorial.sentences[best]
        cosine = float(item.vectors[best] @ self.embedder.encode([question])[0])
        confidence = cosine if self.reader is None else \
            self.reader.confidence(float(self.reader.logits(question, [sentence])[0]), cosine)
        return Answer(question=question, answer=sentence, abstained=False, score=max(0.0, min(1.0, confidence)),
                      citations=(Citation(sentence=best + 1, text=sentence, editorial=editorial),),
                      editorial=editorial, engine=self.name,
                      model=self._answered_by, across_library=False)

    def _passage(self, question: str, sentences: Sequence[str], owners: Sequence[tuple[Editorial, int]],
                 order: np.ndarray, ranking: np.ndarray, demands: np.ndarray, scored: dict[int, float]) -> list[int]:
        """The best sentence and the others of its editorial that answer too: any the reader is nearly as sure of,
        and the ones next to them that it takes for answers (a reason often follows the sentence that names the
        thing); up to `_PASSAGE` sentences, in the editorial's order. Without the reader, the second best when
        the ranking is as sure of it."""
        best = int(order[0])
        editorial = owners[best][0]
        if self.reader is None:
            second = int(order[1]) if len(order) > 1 else best
            as_sure = ranking[second] >= _RANKING_SURE * ranking[best] and owners[second][0] is editorial
            return sorted({best, second}) if as_sure else [best]
        near = [i for i in range(best - _REACH, best + _REACH + 1)
                if 0 <= i < len(sentences) and owners[i][0] is editorial and i not in scored]
        if near:
            texts = [sentences[i] for i in near]
            read = (self.reader.logits(question, texts) + _READER_DEMAND * demands[near]
                    - ASKED_BACK * unquotable(texts))
            scored.update(zip(near, map(float, read), strict=True))
        strong = sorted((i for i in scored if owners[i][0] is editorial and i != best
                         and scored[i] >= max(scored[best] - _STRONG, _JOINS)), key=lambda i: -scored[i])
        picked = {best, *strong[:_PASSAGE - 1]}
        for step in (1, -1):  # after the best sentence, then before it, while the next one answers too
            i = best + step
            while len(picked) < _PASSAGE and i in scored and owners[i][0] is editorial and (
                    scored[i] >= _JOINS or demands[i]):  # or is a demand, asked what the editorial calls for
                picked.add(i)
                i += step
        after = best + 1  # asked why, the sentence that leans on the best one ("It marks...", "That is because...")
        if _WHY_LEANS and asks_why(question) and after < len(sentences) and owners[after][0] is editorial and \
                (leans_back(sentences[after]) or gives_reason(sentences[after])) and len(picked) < _PASSAGE:
            picked.add(after)
        return sorted(picked)

    def _by_reader(self, question: str, sentences: Sequence[str], similarity: np.ndarray, ranking: np.ndarray,
                   demands: np.ndarray, scored: dict[int, float]) -> tuple[np.ndarray, float]:
        """The ranking's top candidates re-read by the answer reader: their order and the top one's calibrated
        confidence; `scored` gets their logits."""
        assert self.reader is not None
        top = np.argsort(-ranking)[:_CANDIDATES]
        candidates = [sentences[i] for i in top]
        logits = self.reader.logits(question, candidates) + _READER_DEMAND * demands[top]
        logits = under_headings(logits, top, candidates)
        missing = mismatches(question, candidates)
        logits -= _TYPE_PENALTY * missing
        quotable = logits - ASKED_BACK * unquotable(candidates)
        choice = np.argsort(-(quotable + _READER_RANKING * ranking[top]), kind="stable")
        scored.update(zip(map(int, top), map(float, quotable), strict=True))
        best = choice[0]
        sure = self.reader.confidence(float(logits[best]), float(similarity[top[best]]))
        return top[choice], sure * (TYPE_SHARE if missing[best] else 1.0)
