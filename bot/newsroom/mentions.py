"""What a message addressed to the bot asks for, as a command line every platform's mentions share."""

from __future__ import annotations

import re

from bot.newsroom.commands import COMMANDS, command_word

__all__ = ["command_line", "is_question", "mention_command"]

_QUESTION = re.compile(r"^(who|what|when|where|why|how|which|whom|whose|is|are|does|do|did|can|should|will|was|"
                       r"were|has|have)\b", re.IGNORECASE)
_WORDS = (*COMMANDS, "summarise", "newsdesk")  # said without a slash; the short aliases need one
_COMMAND_LINE = 300  # a command someone types is one short line; a pasted editorial is not
# What may follow /summarize on its own line: an option, a link, or the start of pasted text (a capital or a quote).
_SUMMARIZE_ARGUMENT = re.compile(r"^(--|https?://|[\"'“‘(\[]|[A-Z0-9])")


def command_line(text: str) -> str | None:
    """The command line `text` spells ("ask Who ...?" -> "/ask Who ...?"), or None when it only opens with a
    command word: "Help at hand for flood victims ..." or "Ask the police ..." pasted as an editorial.

    A leading slash is always a command. Otherwise a command is one short line, except `summarize`, which
    takes the text after it: on the following lines, or on its own line when that starts like pasted text.

    Example:
        command_line("ask Who ended the siege?")               # "/ask Who ended the siege?"
        command_line("Summarize the budget debate honestly")   # None: a title, not a command
    """
    text = text.strip()
    word, rest = _split(text)
    if command_word(word) is None or not (text.startswith("/") or word.lower() in _WORDS):
        return None
    if text.startswith("/"):
        return f"/{text.lstrip('/')}"
    first_line = text.split("\n", 1)[0]
    if command_word(word) == "summarize":
        head = rest.split("\n", 1)[0].strip()
        if not head or _SUMMARIZE_ARGUMENT.match(head) or ("\n" not in text and len(text) <= _COMMAND_LINE):
            return f"/{text}"
        return None
    if "\n" in text.strip() or len(first_line) > _COMMAND_LINE:
        return None
    return f"/{text}"


def mention_command(text: str, *, in_thread: bool, has_files: bool) -> str:
    """A command is taken as said; a question asks about the thread's editorial (or the library, outside
    a thread); a file, a link or text is something to summarise.

    Example:
        mention_command("Who ended the siege?", in_thread=True, has_files=False)  # "/ask Who ended the siege?"
    """
    text = text.strip()
    if not text:
        return "/summarize" if has_files or in_thread else "help"
    line = command_line(text)
    if line is not None:
        return line
    if is_question(text) and not has_files:
        return f"/ask {text}" if in_thread else f"/ask --all {text}"
    return f"/summarize {text}"


def is_question(text: str) -> bool:
    """A short line that ends with a question mark or opens with a question word, and is not a link."""
    text = text.strip()
    if len(text) > 500 or "\n" in text or text.startswith(("http://", "https://")):
        return False
    return text.endswith("?") or bool(_QUESTION.match(text))


def _split(text: str) -> tuple[str, str]:
    parts = text.split(None, 1)
    return (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else "")
