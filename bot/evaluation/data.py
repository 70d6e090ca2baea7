"""Evaluation files: JSONL, one example a line, checked for the fields each evaluation needs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bot.errors import BadInput
from bot.reading.editorial import Editorial, make_editorial

__all__ = ["part", "read_rows", "written_rows"]


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


def part(editorial_id: str) -> str:
    """The part a written editorial's questions and roles belong to: train (70%), dev (15%: what thresholds and
    constants are fitted on) or kept (15%: reported, never tuned on). By editorial, from a hash of its id, so the
    parts never change."""
    bucket = int(hashlib.sha256(editorial_id.encode()).hexdigest(), 16) % 20
    return "train" if bucket < 14 else "dev" if bucket < 17 else "kept"


def written_rows(source: Path, kind: str, fields: tuple[str, ...], editorials: Path,
                 wanted: str | None) -> tuple[list[dict[str, Any]], dict[str, Editorial]]:
    """Written rows (a file, or a folder of `kind`-*.jsonl: questions or roles) of one part or all, and their
    editorials by id, read from the Webis file `editorials` with their headlines, as a newsroom's come."""
    files = sorted(source.glob(f"{kind}-*.jsonl")) if source.is_dir() else [source]
    rows = [row for path in files for row in read_rows(path, fields)
            if wanted is None or part(str(row["editorial"])) == wanted]
    articles = {str(row["id"]): row for row in read_rows(editorials, ("id", "article"))}
    named = {str(row["editorial"]) for row in rows}
    unknown = sorted(named - set(articles))
    if unknown:
        raise BadInput(f"{editorials.name} has no editorial {unknown[0]}.")
    return rows, {key: make_editorial(str(articles[key]["article"]), key, title=articles[key].get("title"))
                  for key in sorted(named)}
