"""SQuAD 1.1 train questions answered by an organisation, party or agency named by its initials ("the NAACP",
"FBI", "the UN"): the rows `make reader` adds to reader v16's run, so a reader trained on editorial questions still
takes "The banned TTP attacked..." as saying who attacked.

    python bench/squad_acronyms.py OUT.jsonl [../shared/data/train/squad11_train.jsonl]

A question is kept when its answer (four words at most) holds a run of 2-6 capitals and the question holds none (a
question that names the initials already is not asking for them); each paragraph is written with only those
questions, in SQuAD's format, in the file's order: 1,883 questions over 1,602 paragraphs.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.models.training import read_squad  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "train" / "squad11_train.jsonl"
_INITIALS = re.compile(r"\b[A-Z]{2,6}s?\b")


def asks_for_initials(question: str, answer: str) -> bool:
    """Whether the answer is a short name in initials that the question does not already hold."""
    return bool(_INITIALS.search(answer)) and len(answer.split()) <= 4 and not _INITIALS.search(question)


def write_questions(keep: Callable[[dict[str, Any]], bool], doc: str) -> None:
    """The command: SQuAD's questions that `keep` keeps, each paragraph with only those, to OUT.jsonl."""
    if len(sys.argv) not in (2, 3):
        sys.exit(doc)
    out, source = Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else SQUAD
    written = 0
    with out.open("w", encoding="utf-8") as kept:
        for row in read_squad(source):
            asked = [qa for qa in row["qas"] if keep(qa)]
            if asked:
                kept.write(json.dumps(row | {"qas": asked}) + "\n")
                written += len(asked)
    print(f"{written} questions written to {out}")


def main() -> None:
    write_questions(lambda qa: asks_for_initials(qa["question"], qa["answers"][0]), __doc__)


if __name__ == "__main__":
    main()
