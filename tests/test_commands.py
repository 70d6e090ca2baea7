"""Chat commands through `Newsdesk.handle`, as every adapter sends them."""

from __future__ import annotations

from bot import Newsdesk
from bot.messages import Attachment

from .rigs.support import SEED, Chat, make_pdf


def test_help_lists_the_commands(chat: Chat) -> None:
    replies = chat.say("help")
    assert replies[0].private
    assert all(command in replies[0].text for command in ("/summarize", "/ask", "/editorials"))


def test_an_unknown_command_says_so_and_the_desk_keeps_working(chat: Chat) -> None:
    reply = chat.say("/frobnicate the mayor")[0]
    assert reply.is_error and "no command “/frobnicate”" in reply.text
    assert "/summarize" in chat.text("help")


def test_summarize_pasted_text_then_follow_up_questions_refer_to_it(chat: Chat) -> None:
    reply = chat.say("/summarize " + SEED.read_text())[0]
    assert reply.summary is not None and reply.summary.editorial.title == "Security stocktaking"
    assert "TL;DR:" in reply.text and "What it calls for:" in reply.text
    follow_up = chat.say("/ask Who ended the siege?")[0]
    assert follow_up.answer is not None and "Sindh police officers" in follow_up.text
    assert "[20]" in follow_up.text
    unsaid = chat.say("/ask How many people died?")[0]
    assert unsaid.answer is not None and unsaid.answer.abstained
    assert unsaid.text.startswith("The editorial does not say.")


def test_another_channel_has_its_own_conversation(desk: Newsdesk, chat: Chat) -> None:
    chat.say("/summarize " + SEED.read_text())
    elsewhere = Chat(desk, channel="C2")
    reply = elsewhere.say("/ask Who ended the siege?")[0]
    assert reply.is_error and "/summarize" in reply.text and "/ask --all" in reply.text
    assert "Sindh police" in elsewhere.text("/ask --all Who ended the siege?")


def test_summarize_an_attached_file(chat: Chat) -> None:
    pdf = make_pdf(["The council must publish a repair schedule this year.",
                    "Residents have waited a decade for clean water."])
    reply = chat.say("/summarize", Attachment(name="water.pdf", data=pdf, content_type="application/pdf"))[0]
    assert reply.summary is not None
    assert "repair schedule" in reply.text


def test_summarize_with_nothing_resummarises_the_conversations_editorial(chat: Chat) -> None:
    assert "Paste an editorial" in chat.text("/summarize")
    chat.say("/summarize " + SEED.read_text())
    assert "Security stocktaking" in chat.text("/summarize --length short")


def test_bad_input_gets_one_private_sentence(chat: Chat) -> None:
    cases = {
        "/summarize    ": "Paste an editorial",
        "/summarize " + "word " * 2_100_000: "newsdesk reads at most 200,000",
        "/summarize --length enormous some text": "--length takes one of short, medium, long.",
        "/ask": "Ask a question",
        "/ask --all " + "why " * 2_000: "ask in at most 1,000",
        "/summarize http://169.254.169.254/latest/meta-data/": "private or internal",
    }
    for text, expected in cases.items():
        reply = chat.say(text)[0]
        assert reply.is_error and reply.private and expected in reply.text, text
    binary = chat.say("/summarize", Attachment(name="photo.png", data=b"\x89PNG\r\n\x00\x00"))[0]
    assert binary.is_error and "photo.png" in binary.text


def test_editorials_lists_the_library_newest_first(chat: Chat) -> None:
    assert "library is empty" in chat.text("/editorials")
    chat.say("/summarize " + SEED.read_text())
    chat.say("/summarize The ferry operator has raised fares again. The regulator should cap them.")
    reply = chat.say("/editorials")[0]
    assert [e.title for e in reply.editorials][1] == "Security stocktaking"
    assert "Security stocktaking" in reply.text


def test_every_answer_and_summary_is_audited(desk: Newsdesk, chat: Chat) -> None:
    chat.say("/summarize " + SEED.read_text())
    chat.say("/ask Who ended the siege?")
    kinds = [(r["kind"], r["platform"], r["engine"]) for r in desk.store.audit_log()]
    assert kinds == [("answer", "test", "extractive"), ("summary", "test", "extractive")]
