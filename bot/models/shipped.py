"""The plain files newsdesk reads at run time: the prompt templates and the seed editorials.

In a checkout they sit at its top (`prompts/`, `seeds/`); a wheel installs them inside the `bot` package
(`bot/prompt_templates`, `bot/seed_editorials`, see pyproject.toml), so `pip install .` works with no checkout around.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROMPTS", "SEEDS"]

_PACKAGE = Path(__file__).resolve().parent.parent  # the bot package


def _shipped(installed: str, checkout: str) -> Path:
    inside = _PACKAGE / installed
    return inside if inside.is_dir() else _PACKAGE.parent / checkout


PROMPTS = _shipped("prompt_templates", "prompts")
SEEDS = _shipped("seed_editorials", "seeds")
