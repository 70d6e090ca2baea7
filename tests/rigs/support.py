"""Test support: the seed, a chat helper, a loopback web server, and a PDF maker."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

from bot import Newsdesk, Reply, Request, Settings
from bot.library.database import is_database_url
from bot.messages import Attachment
from bot.settings import Secret

T = TypeVar("T")
S = TypeVar("S", bound="Served")
SEED = Path(__file__).resolve().parent.parent.parent / "seeds" / "dawn-2023-02-19-security-stocktaking.txt"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    declare_length: bool = True


def settings_on(database: Path | str, **fields: Any) -> Settings:
    """Settings for a store at `database`, a PostgreSQL URL or a SQLite file's path, as NEWSDESK_DB reads it."""
    if isinstance(database, str) and is_database_url(database):
        return Settings(database_url=Secret(database), **fields)
    return Settings(db_path=Path(database), **fields)


def free_port() -> int:
    """A loopback port nothing listens on (for a server a test starts, or one that must refuse)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send(handler: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]) -> None:
    """Answer a stand-in's request: status, headers with the length, the body (a client that gave up is no error)."""
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(data)


class Served:
    """An HTTP stand-in: `handler` on 127.0.0.1 at a free port, served from a thread inside a `with` block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])

    def __enter__(self: S) -> S:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Loopback(Served):
    """Serve `routes` on 127.0.0.1 at a free port; `seen` lists (path, Host header) of every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str | None]] = []
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                loopback.seen.append((self.path, self.headers.get("Host")))
                route = loopback.routes.get(self.path, Route(status=404, body=b"not here"))
                time.sleep(route.delay)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.declare_length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, **kwargs: object) -> None:
        self.routes[path] = Route(**kwargs)  # type: ignore[arg-type]


def make_pdf(lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF whose text layer holds `lines`."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 11 Tf 72 720 Td 14 TL " + " ".join(f"({escape(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`newsdesk ARGV...` in this process: its exit status, standard output and standard error."""
    from bot.cli import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


class Chat:
    """Send chat commands to a desk as one user in one channel, the way an adapter would."""

    def __init__(self, desk: Newsdesk, channel: str = "C1", thread: str | None = None) -> None:
        self.desk = desk
        self.channel = channel
        self.thread = thread

    def say(self, text: str, *attachments: Attachment) -> list[Reply]:
        request = Request(text=text, user="U1", channel=self.channel, platform="test", thread=self.thread,
                          received_at=datetime.now(UTC), attachments=attachments)
        return self.desk.handle(request)

    def text(self, text: str, *attachments: Attachment) -> str:
        return "\n".join(reply.text for reply in self.say(text, *attachments))


class AiohttpThread:
    """Serve an aiohttp application on 127.0.0.1 from a thread of its own (the websocket stand-ins use it)."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port: int = self.runner.addresses[0][1]
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run `coroutine` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
