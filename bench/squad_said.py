"""SQuAD 1.1 train questions that ask what someone said, thought or wrote ("What did Beyonce announce in January
2010?", "What did the democratic-republican party believe in?"): the rows `make reader` adds to reader v18's run. Two
in three of the written editorial questions that ask what someone said are traps about a person the piece never
quotes; without these beside them, a reader learns to decline "What did X say?" even of a piece that quotes X.

    python bench/squad_said.py OUT.jsonl [../shared/data/train/squad11_train.jsonl]

A question is kept when it opens "What/How did/does/do/has/have ..." and its verb is one of saying or thinking; each
paragraph is written with only those questions, in SQuAD's format, in the file's order: 615 questions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from squad_acronyms import write_questions

_SAID = re.compile(r"^(what|how) (did|does|do|has|have) [^?]{2,60}? (say|said|tell|told|state|claim|argue|think|"
                   r"believe|write|announce|predict|promise|warn|suggest|propose|report)\b", re.IGNORECASE)


def asks_what_was_said(question: str) -> bool:
    """Whether the question asks what someone said, thought or wrote."""
    return bool(_SAID.search(question))


def main() -> None:
    write_questions(lambda qa: asks_what_was_said(qa["question"]), __doc__)


if __name__ == "__main__":
    main()
