"""A loopback Slack: the Web API routes newsdesk calls, `response_url`s, file downloads, and signed requests.

`FakeSlack` records every call it receives, answers the way Slack does, and can answer a method with
429 + Retry-After once, to exercise the SDK's retry handler.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

from .support import AiohttpThread, Served, send

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOT"


@dataclass(frozen=True)
class Call:
    """One request that reached the fake Slack: the API method (or "response_url"), its arguments, headers."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    path: str = ""

    def text(self) -> str:
        """Everything a person would read in this message: the fallback text and every block's text."""
        parts = [str(self.args.get("text", ""))]
        blocks = self.args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        for block in blocks:
            if isinstance(block.get("text"), dict):
                parts.append(block["text"]["text"])
            parts += [e["text"] for e in block.get("elements", ()) if isinstance(e.get("text"), str)]
        return "\n".join(parts)


class FakeSlack(Served):
    """Serve a Slack stand-in on 127.0.0.1; `calls` lists what newsdesk sent, in order."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes, str]] = {}
        self.limited: set[str] = set()  # methods answered once with 429
        self.refused: dict[str, str] = {}  # methods answered {"ok": false, "error": CODE}, as Slack refuses them
        self.hold_after: int | None = None  # chat.postMessage calls answered; later ones are kept but never answered
        self.pause = 0.0  # seconds each chat.postMessage takes, as a busy Slack's do
        self.released = threading.Event()
        self.token_valid = True
        self.socket_url = ""  # what apps.connections.open hands out (a FakeSocketMode)
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    args = json.loads(raw or "{}")
                else:
                    args = dict(parse_qsl(raw))
                method = "response_url" if self.path.startswith("/response/") else self.path.removeprefix("/api/")
                if method in fake.limited:
                    fake.limited.discard(method)
                    fake.record(Call(method + " (429)", args, dict(self.headers)))
                    return self.reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})
                if method in fake.refused:
                    fake.record(Call(method + " (refused)", args, dict(self.headers)))
                    return self.reply(200, {"ok": False, "error": fake.refused[method]})
                fake.record(Call(method, args, dict(self.headers), self.path))
                if method == "chat.postMessage" and fake.pause:
                    time.sleep(fake.pause)
                if method == "chat.postMessage" and fake.hold_after is not None \
                        and len(fake.of("chat.postMessage")) > fake.hold_after:
                    fake.released.wait(60)  # posted, but the bot never hears back (it is killed meanwhile)
                    return None
                self.reply(200, fake.answer(method, args))

            def do_GET(self) -> None:
                if self.path.startswith("/api/"):  # the SDK reads conversations.* with GET and a query string
                    method, _, query = self.path.removeprefix("/api/").partition("?")
                    args = dict(parse_qsl(query))
                    fake.record(Call(method, args, dict(self.headers)))
                    return self.reply(200, fake.answer(method, args))
                file = fake.files.get(self.path.removeprefix("/files/"))
                if file is None or self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                fake.record(Call("download", {"path": self.path}, dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Type", file[2])
                self.send_header("Content-Length", str(len(file[1])))
                self.end_headers()
                self.wfile.write(file[1])

            def reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                send(self, status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test" and not self.token_valid:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "url": "https://newsroom.slack.com/", "team": "Newsroom", "user": "newsdesk",
                    "team_id": "T1", "user_id": BOT_USER, "bot_id": "BBOT", "is_enterprise_install": False}
        if method == "oauth.v2.access":  # an install: the code names the workspace ("code-T2")
            team = str(args.get("code", "")).removeprefix("code-")
            return {"ok": True, "app_id": "A1", "authed_user": {"id": "U9"}, "scope": "commands,chat:write",
                    "token_type": "bot", "access_token": f"xoxb-{team}", "bot_user_id": BOT_USER,
                    "team": {"id": team, "name": f"Newsroom {team}"}, "enterprise": None,
                    "is_enterprise_install": False}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "files.info":
            name, data, mimetype = self.files[args["file"]]
            return {"ok": True, "file": {"id": args["file"], "name": name, "mimetype": mimetype, "size": len(data),
                                         "url_private": self.url(f"/files/{args['file']}")}}
        if method in ("conversations.history", "conversations.replies"):
            posted = [c.args for c in self.of("chat.postMessage") if c.args.get("channel") == args.get("channel")
                      and (method == "conversations.history" or c.args.get("thread_ts") == args.get("ts"))]
            return {"ok": True, "has_more": False, "messages": [
                {"type": "message", "text": a.get("text"), "metadata": a.get("metadata")} for a in posted[::-1]]}
        if method.startswith("chat."):
            ts = args.get("ts") or f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts}
        return {"ok": True}

    def share(self, file_id: str, name: str, data: bytes, mimetype: str = "text/plain") -> None:
        self.files[file_id] = (name, data, mimetype)

    def wait(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        """Block until `count` calls of `method` arrived (the bot answers off the request path)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.of(method)) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} {method} calls, got {len(found)}: {[c.method for c in self.calls]}"
                self._changed.wait(left)
        return found

    def of(self, *methods: str) -> list[Call]:
        return [call for call in self.calls if call.method in methods]


def signed_post(url: str, body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                content_type: str = "application/x-www-form-urlencoded",
                headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST `body` the way Slack does, signed with `secret` at `timestamp` (now by default)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
        **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def command_body(command: str, text: str, response_url: str, channel: str = "C1", user: str = "U1",
                 team: str = "T1") -> bytes:
    return urlencode({"token": "legacy", "team_id": team, "channel_id": channel, "user_id": user,
                      "command": command, "text": text, "response_url": response_url,
                      "trigger_id": "1.2.3"}).encode()


def event_body(event: dict[str, Any], event_id: str, team: str = "T1") -> bytes:
    return json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]}).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


class FakeSocketMode:
    """Slack's Socket Mode websocket: says hello, sends the envelopes a test pushes, records the acks."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self._socket: web.WebSocketResponse | None = None
        self._changed = threading.Condition()
        app = web.Application()
        app.router.add_get("/link", self._link)
        self.server = AiohttpThread(app)
        self.url = f"ws://127.0.0.1:{self.server.port}/link"

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "loopback"},
                                "connection_info": {"app_id": "A1"}})
        self.connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                with self._changed:
                    self.acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket

    def send(self, envelope: dict[str, Any]) -> None:
        assert self._socket is not None and self.connected.wait(10)
        self.server.call(self._socket.send_json(envelope))

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (found := [a for a in self.acks if a.get("envelope_id") == envelope_id]):
                left = deadline - time.monotonic()
                assert left > 0, f"no ack for {envelope_id}: {self.acks}"
                self._changed.wait(left)
        return found[0]

    def close(self) -> None:
        self.server.close()
