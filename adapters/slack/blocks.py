"""Replies as Slack messages: Block Kit with a plain-text fallback, split to fit Slack's limits.

Slack refuses a section over 3,000 characters, a message over 50 blocks or 40,000 characters of text, and a
header over 150. Long parts are split at line, then sentence, then word boundaries into more sections and,
past a message's limits, into more messages; nothing is cut off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.answer import Answer
from bot.messages import Reply
from bot.newsroom.render import Markup, answer_body, dateline, split_text
from bot.reading.editorial import Editorial
from bot.summary import Point, Summary

__all__ = ["QUOTE_ACTION", "Message", "escape", "messages", "notice", "pack", "quote_value", "quotes"]

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
TEXT_LIMIT = 40_000
HEADER_LIMIT = 150
QUOTE_ACTION = "newsdesk_quote"

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One Slack message: the fallback `text` (notifications, old clients) and its `blocks`."""

    text: str
    blocks: tuple[Block, ...]


def escape(text: str) -> str:
    """Slack's three control characters, so quoted text can never become a link or an @channel ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MRKDWN = Markup(strong="*{}*", quote=">{}", number="`[{}]`", aside="\n_{}_", bullet="• {}", gap="\n", escape=escape)


def messages(reply: Reply) -> list[Message]:
    """The reply as one or more Slack messages, each within Slack's limits."""
    if reply.summary is not None:
        blocks = _summary_blocks(reply.summary)
    elif reply.answer is not None:
        blocks = _answer_blocks(reply.answer)
    else:
        blocks = _sections(escape(reply.text))
    return _pack(blocks)


def notice(mrkdwn: str) -> Message:
    """A message of newsdesk's own words, already in Slack's markup (links and channel names intact)."""
    return Message(text=mrkdwn, blocks=tuple(_sections(mrkdwn)))


def pack(messages: list[Message]) -> list[Message]:
    """Neighbouring messages merged into as few as Slack's limits allow, in order, nothing cut."""
    return _pack([block for message in messages for block in message.blocks])


def quotes(editorial: Editorial, numbers: list[int]) -> list[Message]:
    """The editorial's sentences with these numbers, quoted, in as many messages as they need."""
    lines = "\n".join(f">{escape(editorial.sentences[n - 1])} `[{n}]`" for n in numbers)
    return _pack(_sections(f"From “{escape(editorial.title)}”:\n{lines}"))


def quote_value(summary: Summary) -> str:
    """What the "Quote the sentences" button carries: the editorial's id and the sentence numbers."""
    return f"{summary.editorial.id}:{','.join(str(n) for n in summary.cited)}"


def _summary_blocks(summary: Summary) -> list[Block]:
    editorial = summary.editorial
    blocks: list[Block] = []
    if len(editorial.title) <= HEADER_LIMIT:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": editorial.title}})
    else:
        blocks += _sections(f"*{escape(editorial.title)}*")
    blocks.append(_context(escape(dateline(editorial))))
    if editorial.corrects:
        blocks.append(_context("Updated: a corrected version of an editorial in an earlier digest."))
    blocks += _sections(f"*TL;DR* {MRKDWN.cited(summary.tldr)}")
    if summary.key_points:
        blocks += _sections("*Key points*\n" + _bullets(summary.key_points))
    if summary.calls_to_action:
        blocks += _sections("*What it calls for*\n" + _bullets(summary.calls_to_action))
    for note in summary.notes:
        blocks += _sections(f"_Note: {escape(note)}_")
    blocks.append({"type": "actions", "elements": [{
        "type": "button", "action_id": QUOTE_ACTION, "text": {"type": "plain_text", "text": "Quote the sentences"},
        "value": quote_value(summary)}]})
    source = f" · <{editorial.source}|source>" if editorial.source.startswith(("http://", "https://")) else ""
    blocks.append(_context(f"{escape(summary.engine)} engine · {escape(summary.model)} · "
                           f"[n] is the editorial's sentence number{source}"))
    return blocks


def _answer_blocks(answer: Answer) -> list[Block]:
    blocks = [] if answer.abstained else _sections(f"*{escape(answer.question)}*")
    blocks += _sections(answer_body(answer, MRKDWN))
    blocks.append(_context(f"{escape(answer.engine)} engine · {escape(answer.model)} · "
                           f"confidence {answer.score:.2f}"))
    return blocks


def _bullets(points: tuple[Point, ...]) -> str:
    return "\n".join(MRKDWN.point(point) for point in points)


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def _sections(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in split_text(text, SECTION_LIMIT)]


def _pack(blocks: list[Block]) -> list[Message]:
    """Fill messages with blocks up to 50 blocks and 40,000 characters each."""
    packed: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = len(_block_text(block))
        if packed[-1] and (len(packed[-1]) >= BLOCK_LIMIT or size + length > TEXT_LIMIT - 1000):
            packed.append([])
            size = 0
        packed[-1].append(block)
        size += length
    return [Message(text="\n".join(filter(None, (_block_text(b) for b in chunk))), blocks=tuple(chunk))
            for chunk in packed if chunk]


def _block_text(block: Block) -> str:
    if "text" in block:
        return str(block["text"]["text"])
    return " ".join(str(e["text"]) for e in block.get("elements", ()) if isinstance(e.get("text"), str))
