"""`ask` across the whole library: does the library index find the right editorial, and how fast is it at 20,000?

Recall: a development library of the SQuAD 2.0 dev contexts among every news article and editorial in
../shared/data/eval (972 texts); for each answerable question, where its context ranks by the index's score (the
editorial's mean sentence vector plus BM25) and by its best sentence's cosine alone, and whether `ask` with the index
quotes the same sentence as `ask` reading every editorial.

Speed: the 266 Webis editorials copied under new ids into a library of `--size` editorials (SQLite), then `ask`
with no editorial for questions from the dev set: p50/p95 after the index is built, the build time, and peak RSS.

    python bench/library.py [--size 20000] [--questions 100] [--skip-recall] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import percentile  # noqa: E402
from bot import Newsdesk, Settings, build_newsdesk  # noqa: E402
from bot.library.index import CANDIDATES  # noqa: E402

EVAL = ROOT.parent / "shared" / "data" / "eval"
ARTICLES = ("editorials_webis_coling20", "summ_bbc_news", "summ_cnndm_test_rose", "summ_news_writer_refs",
            "summ_xsum_test_sample")


def answerable() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (EVAL / "qa_squad2_dev.jsonl").open()]
    return [row for row in rows if not row["is_impossible"]]


def development_library(desk: Newsdesk) -> dict[str, str]:
    """Fill the desk's library (once: the file is kept in build/); the editorial id of each SQuAD context."""
    contexts: dict[str, str] = {}
    for row in answerable():
        contexts.setdefault(row["context_id"], f"{row['title']}\n\n{row['context']}")
    ids = {cid: desk.add(desk.reader.from_text(text, source=cid)).id for cid, text in contexts.items()}
    if desk.store.count() < len(ids) + 100:
        for name in ARTICLES:
            for line in (EVAL / f"{name}.jsonl").open():
                row = json.loads(line)
                title = row.get("title", "")
                text = row["article"] if row["article"].startswith(title) else f"{title}\n\n{row['article']}"
                desk.add(desk.reader.from_text(text, source=row["id"]))
    return ids


def recall(desk: Newsdesk) -> dict[str, object]:
    ids = development_library(desk)
    editorials = desk.store.latest(limit=100_000)
    desk.library.refresh()
    desk.library.settled(timeout=600)
    sentences = [desk.index(e) for e in editorials]
    owners = np.concatenate([[n] * len(item.vectors) for n, item in enumerate(sentences)])
    matrix = np.vstack([item.vectors for item in sentences])
    position = {e.id: n for n, e in enumerate(editorials)}
    ranks: dict[str, list[int]] = {"index": [], "best sentence": []}
    same, hits, exhaustive_hits = 0, 0, 0
    questions = answerable()
    for row in questions:
        gold = ids[row["context_id"]]
        vector = desk.embedder.encode([row["question"]])[0]
        chosen = desk.library.candidates(row["question"], vector, limit=len(editorials))
        ranks["index"].append(chosen.index(gold))
        best = np.full(len(editorials), -1.0)
        np.maximum.at(best, owners, matrix @ vector)
        ranks["best sentence"].append(int((best > best[position[gold]]).sum()))
        answer = desk.ask(row["question"], None)
        everything = desk.engine.answer(row["question"], sentences, desk.settings.abstain_below, across=True)
        quoted = (answer.editorial.id, answer.citations[0].sentence)
        same += quoted == (everything.editorial.id, everything.citations[0].sentence)
        texts = [t["text"] if isinstance(t, dict) else t for t in row["answers"]]
        hits += answer.editorial.id == gold and any(t in answer.citations[0].text for t in texts)
        exhaustive_hits += everything.editorial.id == gold and any(t in everything.citations[0].text for t in texts)
    share = {name: {k: round(100 * float(np.mean(np.array(r) < k)), 1) for k in (1, 5, 10, CANDIDATES, 50)}
             for name, r in ranks.items()}
    count = len(questions)
    return {"library": len(editorials), "questions": count, "recall_at": share,
            "same_quote_as_reading_everything": round(100 * same / count, 1),
            "answer_in_quote_with_index": round(100 * hits / count, 1),
            "answer_in_quote_reading_everything": round(100 * exhaustive_hits / count, 1)}


def copies(desk: Newsdesk, size: int) -> None:
    """The Webis editorials stored, then copied under new ids (rows copied in SQL) until the library has `size`."""
    rows = [json.loads(line) for line in (EVAL / "editorials_webis_coling20.jsonl").open()]
    originals = [desk.add(desk.reader.from_text(row["article"], source=row["id"])) for row in rows]
    made = desk.store.count()
    with desk.store.transaction() as db:
        while made < size:
            for editorial in originals[: size - made]:
                copy = hashlib.sha256(f"{editorial.sha256}|{made}".encode()).hexdigest()
                db.execute("INSERT INTO editorials (id, sha256, title, source, stored_at) SELECT ?, ?, title, source, "
                           "stored_at FROM editorials WHERE id = ?", (copy[:10], copy, editorial.id))
                db.execute("INSERT INTO sentences (editorial_id, number, text) SELECT ?, number, text FROM sentences "
                           "WHERE editorial_id = ?", (copy[:10], editorial.id))
                db.execute("INSERT INTO embeddings (editorial_id, model, dimensions, vectors) SELECT ?, model, "
                           "dimensions, vectors FROM embeddings WHERE editorial_id = ?", (copy[:10], editorial.id))
                made += 1


def resident_mb() -> float:
    """This process's resident memory now (peak RSS also counts the library's making)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024)
    return float("nan")


def speed(desk: Newsdesk, size: int, questions: int) -> dict[str, object]:
    copies(desk, size)
    desk.ask("Who ended the siege?", desk.store.latest(1)[0])  # the models loaded, not the index
    before = resident_mb()
    started = time.perf_counter()
    desk.library.refresh()
    built = time.perf_counter() - started
    asked = [row["question"] for row in answerable()[:questions]]
    desk.ask(asked[0], None)
    times = []
    for question in asked:
        started = time.perf_counter()
        desk.ask(question, None)
        times.append(1000 * (time.perf_counter() - started))
    return {"library": desk.store.count(), "index_built_s": round(built, 1),
            "ask_p50_ms": round(statistics.median(times), 1), "ask_p95_ms": round(percentile(times, 0.95), 1),
            "rss_before_index_mb": before, "rss_after_mb": resident_mb(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--skip-recall", action="store_true")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    results: dict[str, object] = {}
    (ROOT / "build").mkdir(exist_ok=True)
    if not arguments.skip_recall:
        desk = build_newsdesk(Settings(db_path=ROOT / "build" / "library-dev.db"))
        results["recall"] = recall(desk)
        desk.store.close()
    with tempfile.TemporaryDirectory() as folder:
        desk = build_newsdesk(Settings(db_path=Path(folder) / "library.db"))
        results["speed"] = speed(desk, arguments.size, arguments.questions)
        desk.store.close()
    print(json.dumps(results, indent=None if arguments.json else 2))


if __name__ == "__main__":
    main()
