"""Replies as Discord messages: embeds for summaries and answers, plain messages for the rest, within Discord's
limits (2,000 characters a message; 4,096 an embed description, 256 a title, 1,024 a field, 25 fields, 10 embeds
and 6,000 characters a message). Long parts are split at line, sentence or word boundaries, never cut off."""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.answer import Answer
from bot.messages import Reply
from bot.newsroom.render import Markup, answer_body, dateline, split_text
from bot.summary import Point, Summary

__all__ = ["MESSAGE_LIMIT", "Outgoing", "as_text", "outgoing"]

MESSAGE_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
TITLE_LIMIT = 256
FIELD_LIMIT = 1024
EMBEDS_PER_MESSAGE = 10
MESSAGE_EMBED_TOTAL = 6000
COLOUR = discord.Colour(0x1D3557)
_TOKENS = ((re.compile(r"<@&(\d+)>"), "@role"), (re.compile(r"<@!?(\d+)>"), "@user"),
           (re.compile(r"<#(\d+)>"), "#channel"), (re.compile(r"<(a?):(\w+):\d+>"), r":\2:"),
           (re.compile(r"</([\w -]+):\d+>"), r"/\1"))
MARKDOWN = Markup(strong="**{}**", quote="> {}", number="`[{}]`", aside="\n— *{}*", bullet="• {}", gap="\n")


@dataclass(frozen=True)
class Outgoing:
    """One Discord message: text content, embeds, or both."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()


def as_text(text: str) -> str:
    """Discord's mention, channel, emoji and command tokens written out as the text they stand for: an editorial
    that quotes `<@&123>` shows "@role" (an embed title would show the raw token, a message a live mention)."""
    for token, words in _TOKENS:
        text = token.sub(words, text)
    return text


def outgoing(reply: Reply) -> list[Outgoing]:
    """The reply as one or more Discord messages."""
    if reply.summary is not None:
        return _pack(_summary_embeds(reply.summary))
    if reply.answer is not None:
        return _pack(_answer_embeds(reply.answer))
    return [Outgoing(content=piece) for piece in split_text(as_text(reply.text), MESSAGE_LIMIT)]


def _summary_embeds(summary: Summary) -> list[discord.Embed]:
    editorial = summary.editorial
    lines = [f"**TL;DR** {MARKDOWN.cited(summary.tldr)}"]
    if summary.key_points:
        lines += ["", "**Key points**", *_bullets(summary.key_points)]
    if summary.calls_to_action:
        lines += ["", "**What it calls for**", *_bullets(summary.calls_to_action)]
    lines += [f"*Note: {note}*" for note in summary.notes]
    if editorial.corrects:
        lines.insert(0, "*Updated: a corrected version of an editorial in an earlier digest.*")
    cited = ", ".join(str(n) for n in summary.cited)
    footer = f"{summary.engine} engine · {summary.model} · {dateline(editorial)}"
    url = editorial.source if editorial.source.startswith(("http://", "https://")) else None
    embeds = _embeds(editorial.title, "\n".join(lines), footer, url)
    embeds[-1].add_field(name="Sentences cited", value=f"{cited} (numbers in [brackets] throughout)"[:FIELD_LIMIT])
    return embeds


def _answer_embeds(answer: Answer) -> list[discord.Embed]:
    footer = f"{answer.engine} engine · {answer.model} · confidence {answer.score:.2f}"
    return _embeds(answer.question, answer_body(answer, MARKDOWN), footer, None)


def _bullets(points: tuple[Point, ...]) -> list[str]:
    return [MARKDOWN.point(point) for point in points]


def _embeds(title: str, body: str, footer: str, url: str | None) -> list[discord.Embed]:
    """The body over as many embeds as it needs; a title too long for the title line opens the description."""
    title, body = as_text(title), as_text(body)
    if len(title) > TITLE_LIMIT:
        body, title = f"**{title}**\n{body}", ""
    pieces = split_text(body, DESCRIPTION_LIMIT)
    embeds = [discord.Embed(title=(title or None) if i == 0 else None, url=url if i == 0 and title else None,
                            description=piece, colour=COLOUR) for i, piece in enumerate(pieces)]
    embeds[-1].set_footer(text=footer[:2048])
    return embeds


def _pack(embeds: list[discord.Embed]) -> list[Outgoing]:
    """Up to 10 embeds and 6,000 characters a message."""
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds:
        length = len(embed)
        if messages[-1] and (len(messages[-1]) >= EMBEDS_PER_MESSAGE or size + length > MESSAGE_EMBED_TOTAL):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += length
    return [Outgoing(embeds=tuple(chunk)) for chunk in messages if chunk]
