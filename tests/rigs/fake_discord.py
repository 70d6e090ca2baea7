"""A loopback Discord: the REST routes newsdesk uses and a gateway websocket, on aiohttp in a thread.

The gateway sends HELLO, takes IDENTIFY, sends READY and the guild, then dispatches whatever the test pushes
(MESSAGE_CREATE, INTERACTION_CREATE). Every REST call is recorded in `calls`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from .support import AiohttpThread

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000003
CHANNEL_ID = 900000000000000004
USER_ID = 900000000000000005
OTHER_BOT_ID = 900000000000000006
THREAD_ID = 900000000000000007
DM_CHANNEL_ID = 900000000000000008
MESSAGE_CONTENT = 1 << 19
NOW = datetime.now(UTC).isoformat()


def user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": None, "avatar": None,
            "bot": bot}


BOT = user(BOT_ID, "newsdesk", bot=True)
EDITOR = user(USER_ID, "editor")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any]
    sent_id: str | None = None  # the id Discord gave the message this call created

    def text(self) -> str:
        """What a reader sees: the content and every embed's title, description, fields and footer."""
        parts = [str(self.body.get("content") or "")]
        for embed in self.body.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON the way Discord labels it: discord.py only decodes an exact `application/json`."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


class FakeDiscord:
    """Serve the stand-in on 127.0.0.1; `api` is the REST base and `gateway` the websocket URL for discord.py."""

    def __init__(self, message_content: bool = False) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.deleted: set[str] = set()  # message ids a user deleted: replies to them fail unless told not to
        self.nonces: dict[str, dict[str, Any]] = {}  # enforce_nonce: a repeated nonce returns the first message
        self.flags = MESSAGE_CONTENT if message_content else 0
        self.identify: dict[str, Any] | None = None
        self.identifies: list[dict[str, Any]] = []  # one per shard that connected
        self.ready = threading.Event()
        self._ids = itertools.count(1000)
        self._changed = threading.Condition()
        self._socket: web.WebSocketResponse | None = None
        self._sequence = itertools.count(1)
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self.server = AiohttpThread(app)
        self.port = self.server.port
        self.api = f"http://127.0.0.1:{self.port}/api/v10"
        self.gateway = f"ws://127.0.0.1:{self.port}/gateway"

    def close(self) -> None:
        self.server.close()

    # --- the gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                self.identify = payload["d"]
                self.identifies.append(payload["d"])
                shard, count = payload["d"].get("shard") or (0, 1)
                ours = (GUILD_ID >> 22) % count == shard  # Discord's rule: which shard a guild's events go to
                await self._send("READY", {
                    "v": 10, "user": BOT, "guilds": [{"id": str(GUILD_ID), "unavailable": True}] if ours else [],
                    "session_id": f"session-{shard}", "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                    "application": {"id": str(APP_ID), "flags": self.flags}, "private_channels": [],
                    "shard": [shard, count]}, socket)
                if ours:
                    self._socket = socket
                    await self._send("GUILD_CREATE", self._guild())
                    self.ready.set()
        return socket

    async def _send(self, event: str, data: dict[str, Any], socket: web.WebSocketResponse | None = None) -> None:
        socket = socket or self._socket
        assert socket is not None
        await socket.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one gateway event to the connected bot: on the shard its guild belongs to."""
        assert self.ready.wait(30), "the bot never identified"
        self.server.call(self._send(event, data))

    def _guild(self) -> dict[str, Any]:
        everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": "2248473465835073", "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        return {"id": str(GUILD_ID), "name": "Newsroom", "icon": None, "owner_id": str(USER_ID), "roles": [everyone],
                "emojis": [], "stickers": [], "features": [], "member_count": 2, "large": False,
                "unavailable": False, "joined_at": NOW, "premium_tier": 0, "verification_level": 0,
                "members": [{"user": BOT, "roles": [], "joined_at": NOW, "deaf": False, "mute": False, "flags": 0}],
                "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "opinion", "position": 0,
                              "permission_overwrites": [], "guild_id": str(GUILD_ID)}],
                "threads": [{"id": str(THREAD_ID), "type": 11, "parent_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID),
                             "name": "siege", "owner_id": str(USER_ID), "message_count": 0, "member_count": 1,
                             "rate_limit_per_user": 0, "thread_metadata": {
                                 "archived": False, "auto_archive_duration": 1440, "archive_timestamp": NOW,
                                 "locked": False}}],
                "presences": [], "voice_states": [], "stage_instances": [],
                "guild_scheduled_events": [], "soundboard_sounds": []}

    # --- REST ----------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body = await request.json() if request.can_read_body else {}
        if request.method == "GET" and path == "/users/@me":
            return _json(BOT)
        if request.method == "GET" and path == "/oauth2/applications/@me":
            return _json({"id": str(APP_ID), "name": "newsdesk", "description": "", "icon": None,
                                      "bot_public": True, "bot_require_code_grant": False, "owner": EDITOR,
                                      "team": None, "verify_key": "key", "flags": self.flags, "summary": ""})
        if request.method == "GET" and path == "/gateway/bot":
            return _json({"url": self.gateway, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if request.method == "POST" and (path.endswith("/messages") or path.startswith("/webhooks/")):
            reference = body.get("message_reference") or {}
            if str(reference.get("message_id")) in self.deleted and reference.get("fail_if_not_exists", True):
                self._record(Call("POST (refused)", path, body))
                return _json({"message": "Invalid Form Body", "code": 50035, "errors": {"message_reference": {
                    "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]}}},
                    status=400)
            channel = path.split("/")[2] if path.startswith("/channels/") else str(CHANNEL_ID)
            nonce = str(body.get("nonce")) if body.get("enforce_nonce") and body.get("nonce") else None
            if nonce in self.nonces:  # Discord: the same nonce again within minutes is the same message
                self._record(Call("POST (nonce repeated)", path, body))
                return _json(self.nonces[nonce])
            created = self._message(channel, body)
            if nonce is not None:
                self.nonces[nonce] = created
            self._record(Call(request.method, path, body, created["id"]))
            return _json(created)
        self._record(Call(request.method, path, body if isinstance(body, dict) else {"items": body}))
        if request.method == "PUT" and path.endswith("/commands"):
            return _json([{**c, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1",
                                       "default_member_permissions": None, "type": c.get("type", 1)}
                                      for c in body])
        if path.endswith("/typing") or request.method == "DELETE":
            return web.Response(status=204)
        if path.startswith("/interactions/"):
            interaction_id = path.split("/")[2]
            return _json({"interaction": {"id": interaction_id, "type": 2,
                                                      "response_message_loading": True}})
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["name"]], content_type="text/plain")

    def _message(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        reference = {"message_reference": body["message_reference"]} if body.get("message_reference") else {}
        return reference | {"id": str(next(self._ids)), "channel_id": channel, "author": BOT,
                            "content": body.get("content") or "",
                "embeds": body.get("embeds") or [], "timestamp": NOW, "edited_timestamp": None, "tts": False,
                "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "pinned": False,
                "type": 19 if body.get("message_reference") else 0, "flags": body.get("flags", 0)}

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def posts(self) -> list[Call]:
        """Messages the bot sent: channel messages and interaction follow-ups."""
        return [c for c in self.calls if c.method == "POST" and (c.path.endswith("/messages")
                                                                   or c.path.startswith("/webhooks/"))]

    def wait_posts(self, count: int, timeout: float = 60.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.posts()) < count:
                left = deadline - time.monotonic()
                seen = [(c.method, c.path) for c in self.calls]
                assert left > 0, f"expected {count} messages, got {len(found)}: {seen}"
                self._changed.wait(left)
        return found

    # --- payloads shaped like Discord's ---------------------------------------------------------------

    def message(self, content: str, *, author: dict[str, Any] = EDITOR, mentions: list[dict[str, Any]] | None = None,
                attachments: list[dict[str, Any]] | None = None, reply_to: dict[str, Any] | None = None,
                channel: int = CHANNEL_ID) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(next(self._ids)), "channel_id": str(channel), "guild_id": str(GUILD_ID), "author": author,
            "member": {"roles": [], "joined_at": NOW, "deaf": False, "mute": False, "flags": 0}, "content": content,
            "timestamp": NOW, "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": mentions if mentions is not None else [BOT], "mention_roles": [],
            "attachments": attachments or [], "embeds": [], "pinned": False, "type": 19 if reply_to else 0}
        if channel == DM_CHANNEL_ID:  # a direct message: no guild, no member
            del data["guild_id"], data["member"]
        if reply_to is not None:
            data["message_reference"] = {"message_id": reply_to["id"], "channel_id": str(CHANNEL_ID),
                                         "guild_id": str(GUILD_ID)}
            data["referenced_message"] = reply_to
        return data

    def attachment(self, name: str, data: bytes) -> dict[str, Any]:
        self.files[name] = data
        url = f"http://127.0.0.1:{self.port}/files/{name}"
        return {"id": str(next(self._ids)), "filename": name, "size": len(data), "url": url, "proxy_url": url,
                "content_type": "text/plain; charset=utf-8"}

    def interaction(self, name: str, **options: Any) -> dict[str, Any]:
        kinds = {str: 3, bool: 5, int: 4}
        return {"id": str(next(self._ids)), "application_id": str(APP_ID), "type": 2, "token": f"token-{name}",
                "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
                "channel": {"id": str(CHANNEL_ID), "type": 0, "name": "opinion", "guild_id": str(GUILD_ID)},
                "member": {"user": EDITOR, "roles": [], "permissions": "2248473465835073", "joined_at": NOW,
                           "deaf": False, "mute": False, "flags": 0},
                "data": {"id": str(next(self._ids)), "name": name, "type": 1, "guild_id": str(GUILD_ID),
                         "options": [{"name": k, "type": kinds[type(v)], "value": v} for k, v in options.items()]},
                "app_permissions": "2248473465835073", "locale": "en-US", "guild_locale": "en-US",
                "entitlements": [], "authorizing_integration_owners": {}, "context": 0,
                "attachment_size_limit": 10 * 1024 * 1024}
