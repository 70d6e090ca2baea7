"""The Slack adapter's pure translations: payloads to requests, replies to Block Kit within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.blocks import escape, messages
from adapters.slack.events import command_request, plain_text
from bot import Newsdesk
from bot.messages import Reply
from bot.newsroom.render import split_text

from .rigs.support import SEED

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_slack_markup_becomes_plain_text() -> None:
    text = "<@UBOT> summarize <https://www.dawn.com/news/1737?x=1&amp;y=2|dawn.com> for <#C1|desk> &lt;now&gt;"
    assert plain_text(text, "UBOT") == "summarize https://www.dawn.com/news/1737?x=1&y=2 for #desk <now>"
    assert plain_text("<!channel> look") == "@channel look"


def test_slash_commands_become_core_commands() -> None:
    body = {"command": "/summarize", "text": "<https://example.com/a>", "user_id": "U1", "channel_id": "C1"}
    request = command_request(body, NOW)
    assert (request.text, request.user, request.channel, request.platform) == (
        "/summarize https://example.com/a", "U1", "C1", "slack")
    assert command_request({"command": "/newsdesk", "text": "digest status"}, NOW).text == "/digest status"
    assert command_request({"command": "/newsdesk", "text": "frobnicate"}, NOW).text == "help"
    assert command_request({"command": "/newsdesk", "text": ""}, NOW).text == "help"


def test_split_text_never_cuts_a_word_and_loses_nothing() -> None:
    text = "Short line.\n" + " ".join(f"word{i}" for i in range(2000)) + ". Next sentence here."
    pieces = split_text(text, 3000)
    assert len(pieces) > 1 and all(len(p) <= 3000 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_quoted_text_cannot_ping_or_link() -> None:
    reply = Reply(text="Tell <!everyone> to read <http://evil.example|this> & more")
    blocks = messages(reply)[0].blocks
    assert blocks[0]["text"]["text"] == "Tell &lt;!everyone&gt; to read &lt;http://evil.example|this&gt; &amp; more"
    assert escape("<@U1>") == "&lt;@U1&gt;"


def test_summary_blocks_carry_every_point_with_its_sentence_number(desk: Newsdesk) -> None:
    summary = desk.summarize(desk.add(desk.reader.from_source(str(SEED))))
    [message] = messages(Reply(text="fallback", summary=summary))
    everything = message.text
    for point in (summary.tldr, *summary.key_points, *summary.calls_to_action):
        assert f"{escape(point.text)} `[{point.sentence}]`" in everything
    assert message.blocks[0]["type"] == "header" and message.blocks[-1]["type"] == "context"
    button = next(b for b in message.blocks if b["type"] == "actions")["elements"][0]
    assert button["value"].startswith(summary.editorial.id + ":")


def test_many_blocks_are_packed_fifty_to_a_message() -> None:
    reply = Reply(text="\n".join(("x" * 2999) for _ in range(120)))
    packed = messages(reply)
    assert [len(m.blocks) for m in packed] == [13, 13, 13, 13, 13, 13, 13, 13, 13, 3]
    assert all(len(m.text) <= 40_000 for m in packed)
    lines = "\n".join(b["text"]["text"] for m in packed for b in m.blocks).split("\n")
    assert lines == ["x" * 2999] * 120
