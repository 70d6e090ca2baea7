"""`newsdesk eval answers`: does the top cited sentence hold the answer, and does newsdesk abstain when
the paragraph has none (SQuAD 2.0 rows)."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from bot.engines import Indexed
from bot.evaluation.metrics import auroc
from bot.evaluation.peers import ANSWER_PEERS
from bot.newsroom.desk import Newsdesk
from bot.reading.editorial import make_editorial

__all__ = ["evaluate_answers"]


def evaluate_answers(desk: Newsdesk, rows: Iterable[dict[str, Any]], *, peers: bool = False,
                     outputs: Path | None = None) -> dict[str, Any]:
    """Score newsdesk (and the peers) on SQuAD-shaped rows; return the table as a dict.

    Example:
        evaluate_answers(desk, read_rows(Path("qa_squad2_dev.jsonl"), ANSWER_FIELDS), peers=True)
    """
    contexts: dict[str, Indexed] = {}
    systems = ["newsdesk", *(ANSWER_PEERS if peers else ())]
    hits: dict[str, list[bool]] = {name: [] for name in systems}
    confidence: dict[str, dict[bool, list[float]]] = {name: {True: [], False: []} for name in systems}
    abstained: dict[bool, list[bool]] = {True: [], False: []}
    written: list[str] = []
    for row in rows:
        key = str(row["context_id"])
        if key not in contexts:
            editorial = make_editorial(row["context"], key)
            contexts[key] = Indexed(editorial, desk.embedder.encode(editorial.sentences))
        indexed = contexts[key]
        sentences = indexed.editorial.sentences
        answerable = not row["is_impossible"]
        answer = desk.engine.answer(row["question"], [indexed], desk.settings.abstain_below, across=False)
        tops = {"newsdesk": (answer.chosen.text, answer.score)}
        if peers:
            question_vector = desk.embedder.encode([row["question"]])[0]
            for name, rank in ANSWER_PEERS.items():
                ranking = rank(row["question"], sentences, indexed.vectors, question_vector)
                best = int(np.argmax(ranking))
                tops[name] = (sentences[best], float(ranking[best]))
        for name, (text, score) in tops.items():
            confidence[name][answerable].append(score)
            if answerable:
                hits[name].append(any(gold.lower() in text.lower() for gold in row["answers"]))
        abstained[answerable].append(answer.abstained)
        written.append(json.dumps({"id": row["id"]} | answer.to_json(), ensure_ascii=False))
    if outputs is not None:
        outputs.write_text("\n".join(written) + "\n", encoding="utf-8")

    def share(values: list[bool]) -> float | None:
        return round(100.0 * statistics.fmean(values), 1) if values else None

    return {
        "questions": len(written),
        "answerable": len(abstained[True]),
        "unanswerable": len(abstained[False]),
        "threshold": desk.settings.abstain_below,
        "engine": desk.engine.name,
        "abstains_on_unanswerable": share(abstained[False]),
        "abstains_on_answerable": share(abstained[True]),
        "systems": {name: {"hit_at_1": share(hits[name]),
                           "auroc": round(auroc(confidence[name][True], confidence[name][False]), 3)}
                    for name in systems},
    }
