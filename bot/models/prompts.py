"""Prompt templates: plain files in `prompts/`, a version line on top, rendered with `string.Template.substitute`
so a missing variable raises instead of sending a model half a prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from bot.models.shipped import PROMPTS

__all__ = ["PROMPTS", "Prompt", "load_prompt"]

_DELIMITER = re.compile(r"<\s*/?\s*(?:editorial|excerpts|question)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    """One template and its version (the version goes into the audit record and the summary cache key)."""

    name: str
    version: str
    template: Template

    def render(self, **values: object) -> str:
        """The prompt with every `$variable` filled; KeyError names a missing one. Values are data: a delimiter
        tag inside one (`</editorial>`, `<excerpts>`...) is taken out, so no text can close its block early and
        pose as instructions."""
        return self.template.substitute({key: _DELIMITER.sub("", str(value)) for key, value in values.items()})


def load_prompt(name: str, folder: Path = PROMPTS) -> Prompt:
    """Read `prompts/<name>.txt`; its first line is `version: <version>`.

    Example:
        load_prompt("summary").render(count=3, editorial=text)
    """
    head, _, body = (folder / f"{name}.txt").read_text(encoding="utf-8").partition("\n")
    key, _, version = head.partition(":")
    if key.strip() != "version" or not version.strip():
        raise ValueError(f"prompts/{name}.txt must start with a 'version: ...' line")
    return Prompt(name=name, version=version.strip(), template=Template(body.strip() + "\n"))
