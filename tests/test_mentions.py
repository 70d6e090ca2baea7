"""What a message addressed to the bot asks for: the rule Slack and Discord mentions share."""

from __future__ import annotations

import pytest

from bot.newsroom.mentions import command_line, is_question, mention_command

from .rigs.support import SEED, Chat


def test_what_a_mention_asks_for() -> None:
    assert mention_command("Who ended the siege?", in_thread=True, has_files=False) == "/ask Who ended the siege?"
    assert mention_command("who ended the siege", in_thread=False, has_files=False) == "/ask --all who ended the siege"
    assert mention_command("https://example.com/op-ed", in_thread=False, has_files=False) == \
        "/summarize https://example.com/op-ed"
    assert mention_command("", in_thread=False, has_files=True) == "/summarize"
    assert mention_command("", in_thread=False, has_files=False) == "help"
    assert mention_command("editorials", in_thread=False, has_files=False) == "/editorials"
    assert not is_question("The state must act." * 40 + "?")


def _titled(title: str) -> str:
    body = SEED.read_text().split("\n", 1)[1]  # the seed without its own title line
    return f"{title}\n{body}"


@pytest.mark.parametrize("title", ["Help at hand for the police", "Ask the police what went wrong",
                                   "Summarize the lessons of Karachi", "Editorials we should have written",
                                   "Digest this, Islamabad"])
def test_an_editorial_that_opens_with_a_command_word_is_summarised_whole(chat: Chat, title: str) -> None:
    pasted = _titled(title)
    for in_thread in (False, True):
        assert mention_command(pasted, in_thread=in_thread, has_files=False) == f"/summarize {pasted}"
    [reply] = chat.say(mention_command(pasted, in_thread=False, has_files=False))
    assert reply.summary is not None and reply.summary.editorial.title == title
    assert reply.summary.editorial.sentences[0].startswith("FRIDAY'S brazen attack")


def test_a_command_word_with_its_argument_is_still_the_command(chat: Chat) -> None:
    assert command_line("help") == "/help"
    assert command_line("ask Who ended the siege?") == "/ask Who ended the siege?"
    assert command_line("digest subscribe 07:30 Asia/Karachi") == "/digest subscribe 07:30 Asia/Karachi"
    assert command_line("/ask --all Who is to blame?") == "/ask --all Who is to blame?"
    assert command_line("Ask the police") == "/Ask the police"  # one short line: a command, as typed
    assert command_line("Help at hand\n\nThe flood relief ...") is None
    # summarize takes what follows, on its line or the next ones, and loses nothing of it
    pasted = SEED.read_text()
    for said in (f"summarize\n{pasted}", f"summarize {pasted}", f"Summarise --length long {pasted}"):
        line = command_line(said)
        assert line is not None and line.startswith("/")
        [reply] = chat.say(line)
        assert reply.summary is not None and reply.summary.editorial.title == "Security stocktaking"
        assert reply.summary.editorial.sentences[0].startswith("FRIDAY'S brazen attack")
    assert command_line("summarize https://example.com/op-ed") == "/summarize https://example.com/op-ed"
    assert command_line("Summarize the budget debate honestly\nThe budget ...") is None
