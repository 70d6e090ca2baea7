"""The two kinds of failure newsdesk tells apart: the user's input, and the set-up."""

from __future__ import annotations

__all__ = ["BadInput", "SettingsError"]


class BadInput(ValueError):
    """Something a user sent that newsdesk cannot read; the message is one sentence saying what to do.

    Example:
        raise BadInput("There is no text to read: paste an editorial, a link, or attach a file.")
    """


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names the variable to set."""
