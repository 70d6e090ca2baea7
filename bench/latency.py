"""Latency and memory of the embedded engine over real editorials.

Measures, on this machine: summarise latency (read + split + embed + summarise + store, model warm, no
summary cache), answer latency once an editorial is stored, the first answer after the start-up warm-up `serve`
does, a 20,000-word editorial added and summarised, cold start of `newsdesk ask` to its first answer, and peak
resident memory.

    python bench/latency.py [../shared/data/eval/editorials_webis_coling20.jsonl] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Settings, build_newsdesk  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "eval" / "editorials_webis_coling20.jsonl"
SEED = ROOT / "seeds" / "dawn-2023-02-19-security-stocktaking.txt"
QUESTIONS = ("What does the editorial call for?", "Who is responsible?", "How many people are affected?")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cold_start(db: Path, editorial_id: str, runs: int = 3) -> float:
    """Median wall time of a fresh `newsdesk ask` process, from exec to its answer on stdout (after one run not
    counted: the first run on a machine exports the ONNX graphs)."""
    env = os.environ | {"NEWSDESK_DB": str(db)}
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", editorial_id, "Who ended the siege?"], env=env,
                       check=True, capture_output=True, cwd=ROOT)
        if run:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def _long_editorial(rows: list[dict[str, str]], words: int) -> str:
    """Editorials joined into one text of at least `words` words (within the default character limit)."""
    parts: list[str] = []
    while sum(len(part.split()) for part in parts) < words:
        parts.append(rows[len(parts) % len(rows)]["article"])
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        desk = build_newsdesk(Settings(db_path=db))
        seed = desk.add(desk.reader.from_source(str(SEED)))
        desk.store.close()
        cold = cold_start(db, seed.id)

        desk = build_newsdesk(Settings(db_path=db))
        desk.warm_up()  # what `serve` does before it says it is ready
        started = time.perf_counter()
        desk.ask("Who ended the siege?", desk.store.get(seed.id))
        first_answer = (time.perf_counter() - started) * 1000
        desk.summarize(desk.add(desk.reader.from_source(str(SEED))))  # warm every code path once
        summarise, words, stored = [], [], []
        for row in rows:
            started = time.perf_counter()
            editorial = desk.add(desk.reader.from_text(row["article"], source=row["id"]))
            desk.summarize(editorial)
            summarise.append((time.perf_counter() - started) * 1000)
            words.append(len(row["article"].split()))
            stored.append(editorial)
        answer = []
        for editorial in stored:
            for question in QUESTIONS:
                started = time.perf_counter()
                desk.ask(question, editorial)
                answer.append((time.perf_counter() - started) * 1000)
        near_800 = [ms for ms, n in zip(summarise, words, strict=True) if 700 <= n <= 900]
        long_text = _long_editorial(rows, 20_000)
        started = time.perf_counter()
        desk.summarize(desk.add(desk.reader.from_text(long_text, source="20,000 words")))
        long_seconds = time.perf_counter() - started

    report = {
        "editorials": len(rows),
        "median_words": statistics.median(words),
        "summarise_ms_p50": round(percentile(summarise, 0.5), 1),
        "summarise_ms_p95": round(percentile(summarise, 0.95), 1),
        "summarise_700_900_words_ms_p50": round(percentile(near_800, 0.5), 1) if near_800 else None,
        "answer_ms_p50": round(percentile(answer, 0.5), 1),
        "answer_ms_p95": round(percentile(answer, 0.95), 1),
        "first_answer_after_warm_up_ms": round(first_answer, 1),
        "summarise_20000_words_s": round(long_seconds, 2),
        "cold_start_to_first_answer_s": round(cold, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, value in report.items():
            print(f"{name:34} {value}")


if __name__ == "__main__":
    main()
