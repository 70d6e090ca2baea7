"""`newsdesk eval editorials`: a check without references on real editorials (Webis-Editorials-16).

Every summary point must be a sentence of the editorial, and the key points should be the argument
(units labelled assumption, testimony, statistics, common-ground) rather than anecdote or no-unit text.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from bot.engines import Indexed
from bot.evaluation.peers import SUMMARY_PEERS
from bot.evaluation.summaries import budget_for
from bot.newsroom.desk import Newsdesk
from bot.reading.cleaning import normalise
from bot.reading.editorial import make_editorial

__all__ = ["ARGUMENT", "evaluate_arguments"]

ARGUMENT = frozenset({"assumption", "testimony", "statistics", "common-ground"})
NOT_ARGUMENT = frozenset({"anecdote", "no-unit"})


def _labelled(article: str, units: list[dict[str, Any]]) -> list[str | None]:
    """A label for every character of the normalised article, from the units' texts."""
    labels: list[str | None] = [None] * len(article)
    start = 0
    for unit in units:
        text = normalise(str(unit.get("text", "")))
        found = article.find(text, start) if text else -1
        if found < 0 and text:
            found = article.find(text)
        if found >= 0:
            labels[found:found + len(text)] = [str(unit.get("label"))] * len(text)
            start = found + len(text)
    return labels


def _argument_share(article: str, labels: list[str | None], chosen: list[str]) -> tuple[int, int]:
    argument = other = 0
    for sentence in chosen:
        found = article.find(sentence)
        if found < 0:
            continue
        for label in labels[found:found + len(sentence)]:
            argument += label in ARGUMENT
            other += label in NOT_ARGUMENT
    return argument, other


def evaluate_arguments(desk: Newsdesk, rows: Iterable[dict[str, Any]], *, sentences: int = 3,
                       peers: bool = False) -> dict[str, Any]:
    """Share of summary text that is argument, per system, and whether every newsdesk point is verbatim."""
    systems = ["newsdesk", *(SUMMARY_PEERS if peers else ())]
    totals = {name: [0, 0] for name in systems}
    verbatim: list[bool] = []
    for row in rows:
        editorial = make_editorial(row["article"], str(row["id"]))
        article = " ".join(normalise(row["article"]).split())
        labels = _labelled(article, list(row.get("adus") or []))
        indexed = Indexed(editorial, desk.embedder.encode(editorial.sentences))
        summary = desk.engine.summarize(indexed, "medium")
        verbatim.append(all(editorial.sentence(p.sentence) == p.text and p.text in article for p in summary.points))
        count = budget_for(len(editorial.sentences), sentences, None)
        picks = {"newsdesk": desk.engine.key_sentences(indexed, count)}
        for name in systems[1:]:
            picks[name] = SUMMARY_PEERS[name](editorial.sentences, count)
        for name, chosen in picks.items():
            argument, other = _argument_share(article, labels, [editorial.sentences[i] for i in chosen])
            totals[name][0] += argument
            totals[name][1] += other
    return {
        "editorials": len(verbatim),
        "verbatim_points": round(100.0 * statistics.fmean(verbatim), 1) if verbatim else None,
        "systems": {name: {"argument_share": round(100.0 * a / (a + o), 1) if a + o else None}
                    for name, (a, o) in totals.items()},
    }
