"""What a message addressed to the bot asks for: the rule Slack and Discord mentions share."""

from __future__ import annotations

from bot.mentions import is_question, mention_command


def test_what_a_mention_asks_for() -> None:
    assert mention_command("Who ended the siege?", in_thread=True, has_files=False) == "/ask Who ended the siege?"
    assert mention_command("who ended the siege", in_thread=False, has_files=False) == "/ask --all who ended the siege"
    assert mention_command("https://example.com/op-ed", in_thread=False, has_files=False) == \
        "/summarize https://example.com/op-ed"
    assert mention_command("", in_thread=False, has_files=True) == "/summarize"
    assert mention_command("", in_thread=False, has_files=False) == "help"
    assert mention_command("editorials", in_thread=False, has_files=False) == "/editorials"
    assert not is_question("The state must act." * 40 + "?")
