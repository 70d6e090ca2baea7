"""The two kinds of failure newsdesk tells apart: the user's input, and the set-up."""

from __future__ import annotations

__all__ = ["BadInput", "LibraryBusy", "SettingsError", "short"]


class BadInput(ValueError):
    """Something a user sent that newsdesk cannot read; the message is one sentence saying what to do.

    Example:
        raise BadInput("There is no text to read: paste an editorial, a link, or attach a file.")
    """


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names the variable to set."""


class LibraryBusy(RuntimeError):
    """Another program held the library's database locked for longer than newsdesk waits; nothing was changed, and
    the message (one sentence, fit for a chat reply) says to try again.

    Example:
        raise LibraryBusy(10.0)   ->  "The library is locked by another program (for over 10 seconds) ..."
    """

    def __init__(self, waited: float) -> None:
        super().__init__(f"The library is locked by another program (for over {waited:g} seconds); nothing was "
                         "changed, so try again in a moment.")
        self.waited = waited


def short(text: str, limit: int = 80) -> str:
    """What a sentence quotes of a user's input: at most `limit` characters, the cut marked with an ellipsis.

    Example:
        short("gopher://" + "x" * 600)  ->  "gopher://xxx…"  (80 characters)
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
