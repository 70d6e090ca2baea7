"""Three `newsdesk serve` workers in Slack HTTP mode on one PostgreSQL server, behind no balancer but this script.

Load: 500 signed requests (half `/ask --all` slash commands, half top-level mentions: both ask the library), each
mention also delivered as a `message` event to the next worker and every other one retried by Slack to a third: every
one must be answered exactly once; acks are timed. Fault: 30 channels subscribe to a digest due in the next minute;
as soon as a worker claims one, it is killed with SIGKILL: every channel must still get that day's digest, each
message exactly once. PostgreSQL, the loopback Slack and the workers are started and stopped here.

    python bench/workers.py [--requests 500] [--channels 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import percentile  # noqa: E402
from bot import build_newsdesk, load_settings  # noqa: E402
from tests.rigs.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, command_body, event_body, signed_post  # noqa: E402
from tests.rigs.postgres import Postgres  # noqa: E402
from tests.rigs.slack_rig import mention  # noqa: E402
from tests.rigs.support import SEED, free_port  # noqa: E402

WORKERS = 3
DIGESTED = ("The ferry operator has raised fares by forty per cent in two years. The regulator should cap fares.",
            "The council has ignored the failing water mains for a decade. It must publish a repair schedule.",
            "Bus lanes on the ring road have halved journey times. The city should extend them to the suburbs.")


def start_workers(database: str, fake: FakeSlack, logs: Path) -> dict[str, tuple[subprocess.Popen[bytes], str]]:
    """`newsdesk serve` three times, each on its own port; their processes and event URLs by worker name."""
    workers = {}
    for n in range(1, WORKERS + 1):
        port = free_port()
        environment = {**os.environ, "NEWSDESK_DB": database, "NEWSDESK_WORKER": f"web-{n}",
                       "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_PORT": str(port),
                       "SLACK_API_URL": fake.url("/api/"), "NEWSDESK_DIGEST_LEASE_MINUTES": "0.5",
                       "NEWSDESK_LOG_LEVEL": "INFO", "NEWSDESK_WORKERS": "2"}
        log = (logs / f"web-{n}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=environment, cwd=logs,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        workers[f"web-{n}"] = (process, f"http://127.0.0.1:{port}/slack/events")
    for name, (process, url) in workers.items():
        port = int(url.split(":")[2].split("/")[0])
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None and time.monotonic() < deadline, f"{name} did not start: see {logs}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
    return workers


def load(fake: FakeSlack, urls: list[str], requests: int) -> dict[str, object]:
    """Half slash commands, half mentions (each twice, half of them retried too), spread over the workers."""
    posts: list[tuple[str, bytes, dict[str, str], str]] = []
    for i in range(requests // 2):
        body = command_body("/ask", f"--all Who ended the siege? ({i})", fake.url(f"/response/cmd-{i}"),
                            channel=f"D{i}")
        posts.append((urls[i % WORKERS], body, {}, "application/x-www-form-urlencoded"))
        event = mention(f"Who ended the siege? ({i})", f"800.{i:06d}")
        first = (urls[i % WORKERS], event_body(event, f"EvA{i}"), {}, "application/json")
        duplicate = (urls[(i + 1) % WORKERS], event_body({**event, "type": "message"}, f"EvM{i}"), {},
                     "application/json")
        posts += [first, duplicate]
        if i % 2 == 0:
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            posts.append((urls[(i + 2) % WORKERS], event_body(event, f"EvA{i}"), retry, "application/json"))
    random.Random(7).shuffle(posts)

    def send(post: tuple[str, bytes, dict[str, str], str]) -> float:
        started = time.perf_counter()
        status, _ = signed_post(post[0], post[1], headers=post[2], content_type=post[3])
        assert status == 200, status
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        acks = [1000 * seconds for seconds in pool.map(send, posts)]
    commands = requests // 2
    fake.wait("response_url", commands, timeout=900)
    fake.wait("chat.postMessage", commands, timeout=900)
    answered_in = time.perf_counter() - started
    time.sleep(5)  # anything answered twice would arrive by now
    per_command = Counter(call.path for call in fake.of("response_url") if "/cmd-" in call.path)
    per_mention = Counter(call.args.get("thread_ts") for call in fake.of("chat.postMessage")
                          if str(call.args.get("thread_ts")).startswith("800."))
    return {"requests": requests, "posts_with_duplicates_and_retries": len(posts),
            "ack_p50_ms": round(statistics.median(acks), 1), "ack_p99_ms": round(percentile(acks, 0.99), 1),
            "ack_max_ms": round(max(acks), 1), "all_answered_in_s": round(answered_in, 1),
            "commands_answered_once": sum(n == 1 for n in per_command.values()),
            "commands_answered_twice_or_more": sum(n > 1 for n in per_command.values()),
            "mentions_answered_once": sum(n == 1 for n in per_mention.values()),
            "mentions_answered_twice_or_more": sum(n > 1 for n in per_mention.values())}


def fault(fake: FakeSlack, database: str, workers: dict[str, tuple[subprocess.Popen[bytes], str]],
          channels: int) -> dict[str, object]:
    """Digests fall due in 30 channels; the first worker seen claiming one is killed; each arrives once anyway."""
    slot = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%H:%M")
    urls = [url for _, url in workers.values()]
    for n in range(channels):
        body = command_body("/digest", f"subscribe {slot} UTC", fake.url(f"/response/sub-{n}"), channel=f"G{n}")
        assert signed_post(urls[n % WORKERS], body)[0] == 200
    fake.pause = 0.05  # Slack takes its time over each message, so a digest is under way when its worker dies
    with psycopg.connect(database, autocommit=True) as db:
        deadline = time.monotonic() + 180
        while not (claimed := db.execute("SELECT worker, count(*) FROM digest_runs WHERE status = 'claimed' "
                                         "GROUP BY worker ORDER BY 2 DESC").fetchall()):
            assert time.monotonic() < deadline, "no digest was claimed within three minutes"
            time.sleep(0.02)
        victim = claimed[0][0]
        workers[victim][0].send_signal(signal.SIGKILL)
        killed_at = time.perf_counter()
        held = db.execute("SELECT conversation FROM digest_runs WHERE worker = %s AND status = 'claimed'",
                          (victim,)).fetchall()
        deadline = time.monotonic() + 300
        while db.execute("SELECT count(*) FROM digest_runs WHERE status = 'sent'").fetchone()[0] < channels:
            assert time.monotonic() < deadline, "not every channel got its digest within five minutes"
            time.sleep(0.5)
        recovered = time.perf_counter() - killed_at
        finishers = Counter(row[0] for row in db.execute("SELECT worker FROM digest_runs"))
    time.sleep(3)
    keys = Counter(call.args["metadata"]["event_payload"]["key"] for call in fake.of("chat.postMessage")
                   if isinstance(call.args.get("metadata"), dict))
    per_channel = Counter(call.args["channel"] for call in fake.of("chat.postMessage")
                          if isinstance(call.args.get("metadata"), dict))
    return {"channels": channels, "killed": victim, "its_claims_when_killed": len(held),
            "finished_by": dict(finishers), "all_sent_s_after_kill": round(recovered, 1),
            "digest_messages": sum(keys.values()), "repeated_messages": sum(n - 1 for n in keys.values() if n > 1),
            "channels_with_a_full_digest": sum(n == 1 + len(DIGESTED) for n in per_channel.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--channels", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    server = Postgres()
    workers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        database = server.database()
        desk = build_newsdesk(load_settings({"NEWSDESK_DB": database}, None))
        desk.add(desk.reader.from_source(str(SEED)))
        for text in DIGESTED:
            desk.add(desk.reader.from_text(text))
        desk.store.close()
        with tempfile.TemporaryDirectory() as folder, FakeSlack() as fake:
            workers = start_workers(database, fake, Path(folder))
            results = {"load": load(fake, [url for _, url in workers.values()], arguments.requests)}
            results["fault"] = fault(fake, database, workers, arguments.channels)
            for process, _ in workers.values():
                process.terminate()
                process.wait(30)
        print(json.dumps(results, indent=None if arguments.json else 2))
    finally:
        for process, _ in workers.values():
            if process.poll() is None:
                process.kill()
        server.stop()


if __name__ == "__main__":
    main()
