"""The Discord adapter's pure translations: replies to embeds and messages within Discord's limits."""

from __future__ import annotations

from adapters.discord.events import without_mention
from adapters.discord.layout import MESSAGE_LIMIT, outgoing
from bot import Newsdesk
from bot.messages import Reply

from .rigs.support import SEED


def test_plain_replies_split_under_2000_characters_at_sentence_boundaries() -> None:
    text = " ".join(f"Sentence number {i} of a long help text." for i in range(200))
    messages = outgoing(Reply(text=text))
    assert len(messages) > 1 and all(m.content and len(m.content) <= MESSAGE_LIMIT for m in messages)
    assert all(m.content and m.content.endswith(".") for m in messages)
    assert " ".join(m.content or "" for m in messages).split() == text.split()


def test_a_summary_is_one_embed_with_every_point_and_its_sentence(desk: Newsdesk) -> None:
    summary = desk.summarize(desk.add(desk.reader.from_source(str(SEED))))
    [message] = outgoing(Reply(text="fallback", summary=summary))
    [embed] = message.embeds
    assert embed.title == "Security stocktaking" and embed.footer.text and "extractive" in embed.footer.text
    for point in (summary.tldr, *summary.key_points, *summary.calls_to_action):
        assert f"{point.text} `[{point.sentence}]`" in (embed.description or "")


def test_a_huge_summary_spreads_over_embeds_and_messages_within_the_limits(desk: Newsdesk) -> None:
    words = " ".join(f"claim{j}" for j in range(800))
    editorial = desk.add(desk.reader.from_text(" ".join(f"Point {i} holds that {words}." for i in range(8))))
    summary = desk.summarize(editorial, "long")
    messages = outgoing(Reply(text="", summary=summary))
    assert len(messages) > 1
    for message in messages:
        assert len(message.embeds) <= 10 and sum(len(e) for e in message.embeds) <= 6000
        assert all(len(e.description or "") <= 4096 for e in message.embeds)
    shown = " ".join(e.description or "" for m in messages for e in m.embeds)
    assert all(point.text in shown.replace("\n", " ") or all(w in shown for w in point.text.split())
               for point in summary.key_points)


def test_the_bots_mention_is_taken_out_in_both_spellings() -> None:
    assert without_mention("<@42> summarize <@!42> this <@7>", 42) == "summarize this <@7>"
    assert without_mention("<@42> <https://www.dawn.com/news/1737>", 42) == "https://www.dawn.com/news/1737"
