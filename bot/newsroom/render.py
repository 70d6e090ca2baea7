"""Plain-text renderings of summaries, answers and listings: the console, the CLI and every platform's
fallback text. Platforms with richer layouts (Block Kit, embeds) build theirs from the same objects."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer import Answer
from bot.reading.editorial import Editorial
from bot.summary import Point, Summary

__all__ = ["HELP", "PLAIN", "Markup", "answer_body", "answer_text", "dateline", "editorials_text", "repeat_note",
           "split_text", "summary_text"]

HELP = """newsdesk reads editorials and tells you what they say.

/summarize <text | link>   summarise pasted text, a link, or an attached file
                           (add --length short|long for fewer or more points)
/ask <question>            answer from the editorial this conversation is about
/ask --all <question>      answer from every stored editorial
/editorials                list the latest stored editorials
/digest subscribe 07:30 Asia/Karachi [feed]   the day's editorials here every morning
/digest now | status | unsubscribe            a digest now, what is scheduled, or stop it
help                       show this message

Every point and answer quotes the editorial's own sentences, with their numbers in [brackets]."""


def heading(editorial: Editorial) -> str:
    """Title, date and id on one line."""
    date = f" ({editorial.published:%d %b %Y})" if editorial.published else ""
    return f"{editorial.title}{date} · id {editorial.id}"


def dateline(editorial: Editorial) -> str:
    """Date and id, for layouts that show the title on its own line."""
    return " · ".join(([f"{editorial.published:%d %b %Y}"] if editorial.published else []) + [f"id {editorial.id}"])


@dataclass(frozen=True)
class Markup:
    """How a platform marks text up: plain for the console and the CLI; adapters make their own for mrkdwn
    (Slack) and Markdown (Discord). Each field is a format string for one element."""

    strong: str = "{}"
    quote: str = "“{}”"
    number: str = "[{}]"
    aside: str = " — {}"
    bullet: str = "  • {}"
    gap: str = " "  # between the abstention and the closest sentence
    escape: Callable[[str], str] = str

    def cited(self, point: Point) -> str:
        """A point's text followed by its sentence number."""
        return f"{self.escape(point.text)} {self.number.format(point.sentence)}"

    def point(self, point: Point) -> str:
        """A point as a bullet line."""
        return self.bullet.format(self.cited(point))


PLAIN = Markup()


def summary_text(summary: Summary) -> str:
    """The summary as a person reads it, every point followed by its sentence number."""
    lines = [heading(summary.editorial), "", f"TL;DR: {PLAIN.cited(summary.tldr)}"]
    if summary.key_points:
        lines += ["", "Key points:"] + [PLAIN.point(p) for p in summary.key_points]
    if summary.calls_to_action:
        lines += ["", "What it calls for:"] + [PLAIN.point(p) for p in summary.calls_to_action]
    lines += ["", f"— {summary.engine} engine · {summary.model}"]
    lines += [f"Note: {note}" for note in summary.notes]
    return "\n".join(lines)


def answer_body(answer: Answer, markup: Markup = PLAIN) -> str:
    """The quoted sentences that answer, or the plain abstention and the closest sentence, in `markup`; then any
    note (the model server was down, so the sentences are quoted)."""
    m = markup
    notes = [m.escape(f"Note: {note}") for note in answer.notes]
    if answer.abstained:
        closest = answer.chosen
        where = f" in “{m.escape(closest.editorial.title)}”" if answer.across_library else ""
        return "\n".join([f"{m.strong.format(m.escape(answer.answer))} The closest it comes{where} is sentence "
                          f"{closest.sentence}:{m.gap}{m.quote.format(m.escape(closest.text))}", *notes])
    quotes = []
    for citation in answer.citations:
        where = m.aside.format(m.escape(heading(citation.editorial))) if answer.across_library else ""
        quotes.append(f"{m.quote.format(m.escape(citation.text))} {m.number.format(citation.sentence)}{where}")
    return "\n".join([*quotes, *notes])


def answer_text(answer: Answer) -> str:
    """The answer as plain text, with the engine, model and confidence."""
    return f"{answer_body(answer)}\n— {answer.engine} engine · {answer.model} · confidence {answer.score:.2f}"


def editorials_text(editorials: Sequence[Editorial]) -> str:
    """The library listing, newest first."""
    if not editorials:
        return "The library is empty: summarise an editorial with /summarize to add it."
    return "\n".join(f"{e.id}  {e.title}" + (f" ({e.published:%d %b %Y})" if e.published else "")
                     + f" — {len(e.sentences)} sentences" for e in editorials)


def repeat_note(stored: Editorial, what: str = "This text") -> str:
    """What a reply says when the text sent was already in the library: it keeps its stored title and date.

    Example:
        repeat_note(filed.editorial)  ->  "This text is already in the library as “Security stocktaking” (stored
        07 Dec 2025)."
    """
    when = f" (stored {stored.stored_at:%d %b %Y})" if stored.stored_at else ""
    return f"{what} is already in the library as “{stored.title}”{when}."


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, broken at lines, then sentences, then spaces: never inside a word
    unless a single word is longer than the limit. Platforms split long replies with it; nothing is lost.

    Example:
        split_text(reply.text, 2000)      # Discord's message limit
    """
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        joined = f"{current}{unit}"
        if len(joined) <= limit:
            current = joined
            continue
        if current.strip():
            pieces.append(current.rstrip())
        current = unit.lstrip() if len(unit.lstrip()) <= limit else ""
        if len(unit.lstrip()) > limit:  # one word longer than a section: the only place a cut is unavoidable
            word = unit.lstrip()
            pieces += [word[i:i + limit] for i in range(0, len(word), limit)]
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Lines; a line over the limit as its sentences; a sentence over the limit as its words."""
    units: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= limit:
            units.append(line)
            continue
        for sentence in re.split(r"(?<=[.!?])(?=\s)", line):
            units += [sentence] if len(sentence) <= limit else re.split(r"(?=\s)", sentence)
    return units
