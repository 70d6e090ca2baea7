"""Evaluation files: JSONL, one example a line, checked for the fields each evaluation needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.errors import BadInput

__all__ = ["read_rows"]


def read_rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every row of a JSONL file; BadInput names the line that is not JSON or lacks a field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BadInput(f"There is no evaluation file at {path}.") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise BadInput(f"{path} is not a UTF-8 JSONL file.") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise BadInput(f"Line {number} of {path.name} is not JSON.") from None
        missing = [field for field in fields if not isinstance(row, dict) or field not in row]
        if missing:
            raise BadInput(f"Line {number} of {path.name} has no {', '.join(missing)} field.")
        rows.append(row)
    if not rows:
        raise BadInput(f"{path.name} has no rows to evaluate.")
    return rows
