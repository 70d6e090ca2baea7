"""`newsdesk eval editorials --roles DIR`: summaries scored against written sentence roles (the shape of
bot/weights/editorials/roles-*.jsonl: per editorial, the sentences that state its thesis, its own calls to action,
and the 4-6 an editor would keep), beside three peers: lead (the first sentences), a MiniLM centroid (the sentences
closest to the editorial's mean vector) and a should/must rule (every sentence with "should" or "must" is a call).

- tldr_is_thesis: editorials whose TL;DR is a thesis sentence;
- thesis_in_summary: editorials with a thesis sentence in the TL;DR or the key points;
- calls_precision / calls_recall: listed calls that are the editorial's own, and its own calls that are listed
  (over all sentences of all editorials);
- no_call_clean: of the editorials that call for nothing, those given no calls;
- key_precision: key points that are key or thesis sentences.
A peer that does not make a part (lead lists no calls, the rule no TL;DR) gets None there.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.engines import Indexed
from bot.engines.base import key_point_count
from bot.newsroom.desk import Newsdesk
from bot.reading.editorial import Editorial

__all__ = ["ROLE_FIELDS", "evaluate_roles"]

ROLE_FIELDS = ("editorial", "thesis", "calls", "key")
_SHOULD_MUST = re.compile(r"\b(should|must)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Picked:
    """What a system puts in a summary, as 1-based sentence numbers; None for a part it does not make."""

    tldr: int | None
    key: list[int] | None
    calls: list[int] | None


def evaluate_roles(desk: Newsdesk, rows: Iterable[dict[str, Any]], editorials: dict[str, Editorial], *,
                   peers: bool = False) -> dict[str, Any]:
    """Score newsdesk's medium summaries (and the peers') on written roles; `editorials` maps ids to
    editorials.

    Example:
        evaluate_roles(desk, read_rows(Path("roles-1.jsonl"), ROLE_FIELDS), editorials, peers=True)
    """
    systems: dict[str, Callable[[Indexed], Picked]] = {"newsdesk": lambda item: _newsdesk(desk, item)}
    if peers:
        systems |= {"lead": _lead, "minilm-centroid": _centroid, "should-must": _rule}
    tallies: dict[str, dict[str, list[float]]] = {name: {} for name in systems}
    count = 0
    for row in rows:
        editorial = editorials[str(row["editorial"])]
        item = Indexed(editorial, desk.embedder.encode(editorial.sentences))
        count += 1
        for name, pick in systems.items():
            _score(pick(item), row, tallies[name])

    def share(values: list[float] | None) -> float | None:
        return round(100.0 * statistics.fmean(values), 1) if values else None

    metrics = ("tldr_is_thesis", "thesis_in_summary", "calls_precision", "calls_recall", "no_call_clean",
               "key_precision")
    return {"editorials": count, "engine": desk.engine.name,
            "systems": {name: {m: share(tally.get(m)) for m in metrics} for name, tally in tallies.items()}}


def _score(picked: Picked, row: dict[str, Any], tally: dict[str, list[float]]) -> None:
    thesis, calls, key = set(row["thesis"]), set(row["calls"]), set(row["key"])

    def add(metric: str, *values: float) -> None:
        tally.setdefault(metric, []).extend(values)

    if picked.tldr is not None:
        add("tldr_is_thesis", picked.tldr in thesis)
        add("thesis_in_summary", bool(({picked.tldr} | set(picked.key or [])) & thesis))
    if picked.key is not None:
        add("key_precision", *(n in key | thesis for n in picked.key))
    if picked.calls is not None:
        add("calls_precision", *(n in calls for n in picked.calls))
        add("calls_recall", *(n in picked.calls for n in calls))
        if not calls:
            add("no_call_clean", not picked.calls)


def _newsdesk(desk: Newsdesk, item: Indexed) -> Picked:
    summary = desk.engine.summarize(item, "medium")
    return Picked(summary.tldr.sentence, [p.sentence for p in summary.key_points],
                  [p.sentence for p in summary.calls_to_action])


def _lead(item: Indexed) -> Picked:
    count = len(item.editorial.sentences)
    return Picked(1, list(range(2, min(count, 1 + key_point_count(count, "medium")) + 1)), None)


def _centroid(item: Indexed) -> Picked:
    centroid = item.vectors.mean(axis=0)
    order = [int(i) + 1 for i in np.argsort(-(item.vectors @ centroid))]
    wanted = key_point_count(len(item.editorial.sentences), "medium")
    return Picked(order[0], order[1:1 + wanted], None)


def _rule(item: Indexed) -> Picked:
    return Picked(None, None, [n for n, s in enumerate(item.editorial.sentences, 1) if _SHOULD_MUST.search(s)])
