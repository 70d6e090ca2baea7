"""The two kinds of failure newsdesk tells apart: the user's input, and the set-up."""

from __future__ import annotations

__all__ = ["BadInput", "SettingsError", "short"]


class BadInput(ValueError):
    """Something a user sent that newsdesk cannot read; the message is one sentence saying what to do.

    Example:
        raise BadInput("There is no text to read: paste an editorial, a link, or attach a file.")
    """


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names the variable to set."""


def short(text: str, limit: int = 80) -> str:
    """What a sentence quotes of a user's input: at most `limit` characters, the cut marked with an ellipsis.

    Example:
        short("gopher://" + "x" * 600)  ->  "gopher://xxx…"  (80 characters)
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
