"""Slack acknowledgement latency under a burst: 50 signed slash commands at once into the real bolt app (HTTP mode),
with a loopback Slack Web API taking the replies. Slack wants every ack within 3 seconds.

    python bench/slack_ack.py [burst]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402

from adapters.slack import build_app, http_server  # noqa: E402
from bot import Settings, build_newsdesk  # noqa: E402
from bot.settings import Secret  # noqa: E402
from tests.rigs.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, command_body, signed_post  # noqa: E402
from tests.rigs.support import SEED  # noqa: E402


def main() -> None:
    burst = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as fake:
        settings = Settings(db_path=Path(folder) / "ack.db", slack_bot_token=Secret(BOT_TOKEN),
                            slack_signing_secret=Secret(SIGNING_SECRET), slack_port=3000)
        desk = build_newsdesk(settings)
        desk.embedder.load()
        app = build_app(desk, settings, client=WebClient(token=BOT_TOKEN, base_url=fake.url("/api/")))
        server = http_server(app, 0, host="127.0.0.1")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        respond = fake.url("/response/C1")
        signed_post(url, command_body("/summarize", SEED.read_text(), respond))
        fake.wait("response_url")
        for name, command, text in (("/ask", "/ask", "Who ended the siege?"),
                                    ("/summarize", "/summarize", SEED.read_text() + " Extra {i}.")):
            before = len(fake.of("response_url"))

            def send(i: int, command: str = command, text: str = text) -> float:
                started = time.perf_counter()
                status, _ = signed_post(url, command_body(command, text.replace("{i}", str(i)), respond))
                assert status == 200
                return time.perf_counter() - started

            started = time.perf_counter()
            with ThreadPoolExecutor(burst) as pool:
                acks = sorted(pool.map(send, range(burst)))
            fake.wait("response_url", before + burst, timeout=600)
            done = time.perf_counter() - started
            p99 = acks[min(len(acks) - 1, round(0.99 * (len(acks) - 1)))]
            print(f"{burst} x {name}: ack p50 {statistics.median(acks) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                  f"max {acks[-1] * 1000:.0f} ms; all {burst} answered in {done:.1f} s")
        server.shutdown()


if __name__ == "__main__":
    main()
