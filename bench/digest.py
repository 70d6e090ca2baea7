"""How long a digest of 50 editorials takes to build: 50 real editorials stored, then summarised into one digest.

    python bench/digest.py [../shared/data/eval/editorials_webis_coling20.jsonl]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Settings, build_newsdesk  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "eval" / "editorials_webis_coling20.jsonl"


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA
    rows = [json.loads(line) for line in data.read_text().splitlines() if line.strip()][:50]
    with tempfile.TemporaryDirectory() as folder:
        desk = build_newsdesk(Settings(db_path=Path(folder) / "digest.db"))
        desk.embedder.load()
        started = time.perf_counter()
        for row in rows:
            desk.add(desk.reader.from_text(row["article"], source=row["id"]))
        stored = time.perf_counter() - started
        now = datetime.now(UTC) + timedelta(seconds=1)
        started = time.perf_counter()
        digest = desk.digests.compose(now - timedelta(hours=1), now)
        replies = digest.replies()
        built = time.perf_counter() - started
        started = time.perf_counter()
        desk.digests.compose(now - timedelta(hours=1), now)
        cached = time.perf_counter() - started
    print(f"editorials in digest          {len(digest.summaries)}")
    print(f"messages                      {len(replies)}")
    print(f"store 50 (read+split+embed)   {stored:.2f} s")
    print(f"build digest (summaries new)  {built:.2f} s")
    print(f"build digest (summaries cached) {cached:.2f} s")


if __name__ == "__main__":
    main()
