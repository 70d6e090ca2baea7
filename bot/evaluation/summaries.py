"""`newsdesk eval summaries`: ROUGE of newsdesk's key points against reference summaries, beside the peers."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.engines import Indexed
from bot.errors import BadInput
from bot.evaluation.metrics import ROUGE_TYPES, Rouge
from bot.evaluation.peers import SUMMARY_PEERS
from bot.newsroom.desk import Newsdesk
from bot.reading.cleaning import normalise
from bot.reading.editorial import make_editorial
from bot.reading.sentences import split_sentences

__all__ = ["budget_for", "evaluate_summaries"]


def budget_for(sentence_count: int, sentences: int, ratio: float | None) -> int:
    """How many sentences a summary gets: a fixed number, or a share of the article's sentences."""
    wanted = round(ratio * sentence_count) if ratio is not None else sentences
    return max(1, min(sentence_count, wanted))


def evaluate_summaries(desk: Newsdesk, rows: Iterable[dict[str, Any]], *, sentences: int = 3,
                       ratio: float | None = None, peers: bool = False, outputs: Path | None = None) -> dict[str, Any]:
    """Score newsdesk (and the peers) on `{"id", "article", "reference"}` rows; return the table as a dict.

    Example:
        evaluate_summaries(desk, read_rows(Path("summ_cnndm.jsonl"), ("id", "article", "reference")), peers=True)
    """
    rouge = Rouge()
    systems = ["newsdesk", *(SUMMARY_PEERS if peers else ())]
    scores: dict[str, dict[str, list[float]]] = {name: {t: [] for t in ROUGE_TYPES} for name in systems}
    written: list[str] = []
    skipped = 0
    for row in rows:
        try:
            editorial = make_editorial(row["article"], str(row["id"]))
        except BadInput:
            skipped += 1
            continue
        reference = split_sentences(normalise(row["reference"]))
        count = budget_for(len(editorial.sentences), sentences, ratio)
        picks = {"newsdesk": desk.engine.key_sentences(
            Indexed(editorial, desk.embedder.encode(editorial.sentences)), count)}
        for name in systems[1:]:
            picks[name] = SUMMARY_PEERS[name](editorial.sentences, count)
        for name, chosen in picks.items():
            for rouge_type, value in rouge.score(reference, [editorial.sentences[i] for i in chosen]).items():
                scores[name][rouge_type].append(value)
        written.append(json.dumps({"id": row["id"], "summary": "\n".join(editorial.sentences[i]
                                                                         for i in picks["newsdesk"])}))
    if outputs is not None:
        outputs.write_text("\n".join(written) + "\n", encoding="utf-8")
    return {
        "rows": len(written),
        "skipped": skipped,
        "budget": f"{ratio:.0%} of the sentences" if ratio is not None else f"{sentences} sentences",
        "engine": desk.engine.name,
        "systems": {name: {t: round(statistics.fmean(v), 2) if v else None for t, v in by_type.items()}
                    for name, by_type in scores.items()},
    }
