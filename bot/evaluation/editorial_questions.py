"""`newsdesk eval answers` on the written editorial questions (bot/weights/editorials/questions-*.jsonl): editors'
questions about real editorials, by kind (factual, why, call, stance, paraphrase, unanswerable), each with the
numbers of every sentence that answers it.

An answerable question is answered right when newsdesk answers (does not abstain) and the sentence it chose answers
it (a why, a view or a call is quoted with the sentences beside it that answer too: their precision and recall
against the written answer are reported as "quoted"); it is wrongly declined when newsdesk abstains. An
unanswerable one is declined right when newsdesk abstains. The ranking alone (the chosen sentence, abstaining or
not) and the peers' top sentence are scored beside it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from bot.engines import Indexed
from bot.evaluation.metrics import auroc
from bot.evaluation.peers import ANSWER_PEERS
from bot.newsroom.desk import Newsdesk
from bot.reading.editorial import Editorial

__all__ = ["QUESTION_FIELDS", "evaluate_editorial_questions"]

QUESTION_FIELDS = ("editorial", "question", "kind", "sentences")


def evaluate_editorial_questions(desk: Newsdesk, rows: Iterable[dict[str, Any]], editorials: dict[str, Editorial], *,
                                 peers: bool = False) -> dict[str, Any]:
    """Score newsdesk (and the peers' top sentence) on written questions; `editorials` maps ids to editorials.

    Example:
        evaluate_editorial_questions(desk, read_rows(Path("questions-1.jsonl"), QUESTION_FIELDS), editorials)
    """
    indexed: dict[str, Indexed] = {}
    right: dict[str, list[bool]] = defaultdict(list)  # by kind: answered and right / declined right
    declined: list[bool] = []  # answerable questions newsdesk declined
    ranked: dict[str, list[bool]] = defaultdict(list)  # by system: first sentence answers (answerable only)
    scores: dict[bool, list[float]] = {True: [], False: []}
    quoted: dict[str, list[float]] = defaultdict(list)  # answered answerable questions: the quoted sentences
    for row in rows:
        key = str(row["editorial"])
        if key not in indexed:
            editorial = editorials[key]
            indexed[key] = Indexed(editorial, desk.embedder.encode(editorial.sentences))
        owner = indexed[key]
        gold = set(row["sentences"])
        answerable = bool(gold)
        answer = desk.engine.answer(row["question"], [owner], desk.settings.abstain_below, across=False)
        first = answer.chosen.sentence
        scores[answerable].append(answer.score)
        if answerable:
            right[row["kind"]].append(not answer.abstained and first in gold)
            if not answer.abstained:
                cited = {citation.sentence for citation in answer.citations}
                quoted["precision"].append(len(cited & gold) / len(cited))
                quoted["recall"].append(len(cited & gold) / len(gold))
                quoted["sentences"].append(len(cited))
            declined.append(answer.abstained)
            ranked["newsdesk"].append(first in gold)
            if peers:
                vector = desk.embedder.encode([row["question"]])[0]
                for name, rank in ANSWER_PEERS.items():
                    ranking = rank(row["question"], owner.editorial.sentences, owner.vectors, vector)
                    ranked[name].append(int(np.argmax(ranking)) + 1 in gold)
        else:
            right["unanswerable"].append(answer.abstained)

    def share(values: Sequence[float]) -> float | None:
        return round(100.0 * statistics.fmean(values), 1) if values else None

    answerable_right = [v for kind, values in right.items() if kind != "unanswerable" for v in values]
    return {
        "questions": len(scores[True]) + len(scores[False]),
        "editorials": len(indexed),
        "threshold": desk.settings.abstain_below,
        "engine": desk.engine.name,
        "answerable_right": share(answerable_right),
        "wrongly_declined": share(declined),
        "unanswerable_declined": share(right["unanswerable"]),
        "all_right": share(answerable_right + right["unanswerable"]),
        "auroc": round(auroc(scores[True], scores[False]), 3) if scores[True] and scores[False] else None,
        "by_kind": {kind: share(values) for kind, values in sorted(right.items())},
        "quoted": {"precision": share(quoted["precision"]), "recall": share(quoted["recall"]),
                   "sentences": round(statistics.fmean(quoted["sentences"]), 2) if quoted["sentences"] else None},
        "systems": {name: {"ranking_right": share(values)} for name, values in ranked.items()},
    }
