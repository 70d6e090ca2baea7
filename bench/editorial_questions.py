"""The written editorial questions and sentence roles (bot/weights/editorials/): show an editorial's sentences as
newsdesk numbers them, split the editorials into train, dev and kept-out parts, and check what was written.

    python bench/editorial_questions.py show ID [ID ...]        # numbered sentences, as newsdesk cites them
    python bench/editorial_questions.py parts [--count N]        # the unreserved editorials, each with its part
    python bench/editorial_questions.py check [FILE ...]          # every written file: counts, and what is wrong
    python bench/editorial_questions.py squad OUT.jsonl [--part train] [--audited]   # a part as SQuAD rows

The 30 editorials in ../shared/data/eval/reserved_editorials.txt are kept for checks made outside the project:
`show` refuses them and `check` fails on any line about one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.data import part  # noqa: E402
from bot.reading.editorial import make_editorial  # noqa: E402

EVAL = ROOT.parent / "shared" / "data" / "eval"
WEBIS = EVAL / "editorials_webis_coling20.jsonl"
RESERVED = EVAL / "reserved_editorials.txt"
WRITTEN = ROOT / "bot" / "weights" / "editorials"
KINDS = ("factual", "why", "call", "stance", "paraphrase", "unanswerable")
TRAPS = ("name", "number", "date", "place", "detail", "quote", "reason")
ROLES = ("thesis", "calls", "key", "scene")


def reserved() -> set[str]:
    return {line.strip() for line in RESERVED.read_text().splitlines() if line.strip() and not line.startswith("#")}


def editorials() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in map(json.loads, WEBIS.open(encoding="utf-8"))}


def sentences(row: dict[str, Any]) -> tuple[str, ...]:
    return make_editorial(row["article"], row["id"]).sentences


def show(ids: list[str]) -> None:
    rows, kept_out = editorials(), reserved()
    for editorial_id in ids:
        if editorial_id in kept_out:
            sys.exit(f"{editorial_id} is reserved: write nothing on it.")
        row = rows[editorial_id]
        print(f"# {editorial_id} ({part(editorial_id)}): {row.get('title', '')}")
        for number, sentence in enumerate(sentences(row), start=1):
            print(f"{number}\t{sentence}")
        print()


def as_squad(out: Path, wanted: str, files: list[Path] | None = None, audited: bool = False,
             without: tuple[str, ...] = ()) -> int:
    """Write one part's questions (of `files`, or of every questions-*.jsonl) as SQuAD-format rows (`newsdesk train
    reader --data`): one row per editorial, its text as the context; an answerable question's answers are its
    answering sentences, an unanswerable one has none. `audited`: the train part's why and stance answers as
    train-audit.jsonl has them (a sentence that only restates the question no longer answers it); `without`: the
    unanswerable questions of these traps left out (a round that wrote date traps and no "when" it answers)."""
    rows = editorials()
    audit = _train_audit() if audited else {}
    asked: dict[str, list[dict[str, Any]]] = {}
    for path in files or sorted(WRITTEN.glob("questions-*.jsonl")):
        for line, record in enumerate(map(json.loads, path.read_text(encoding="utf-8").splitlines()), start=1):
            if part(record["editorial"]) == wanted and record.get("trap") not in without:
                if (numbers := audit.get((path.name, line, record["question"]))) is not None:
                    numbered = sentences(rows[record["editorial"]])
                    record = {**record, "texts": [numbered[n - 1] for n in numbers]}
                asked.setdefault(record["editorial"], []).append(record)
    with out.open("w", encoding="utf-8") as lines:
        for editorial_id, questions in asked.items():
            qas = [{"id": f"{editorial_id}/{i}", "question": q["question"], "answers": q["texts"]}
                   for i, q in enumerate(questions)]
            lines.write(json.dumps({"id": editorial_id, "title": editorial_id,
                                    "context": rows[editorial_id]["article"], "qas": qas}) + "\n")
    return sum(len(questions) for questions in asked.values())


def _train_audit() -> dict[tuple[str, int, str], list[int]]:
    """The audited answers of train-audit.jsonl, by the file, line and question they replace."""
    records = map(json.loads, (WRITTEN / "train-audit.jsonl").read_text(encoding="utf-8").splitlines())
    return {(r["file"], r["line"], r["question"]): r["sentences"] for r in records}


def check(files: list[Path]) -> int:
    rows, kept_out = editorials(), reserved()
    problems: list[str] = []
    kinds: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    questioned: set[str] = set()
    labelled: set[str] = set()
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path.name}:{number}"
            record = json.loads(line)
            editorial_id = record.get("editorial", "")
            if editorial_id in kept_out:
                problems.append(f"{where}: {editorial_id} is reserved")
                continue
            if editorial_id not in rows:
                problems.append(f"{where}: no editorial {editorial_id}")
                continue
            numbered = sentences(rows[editorial_id])
            if path.name.endswith("-audit.jsonl"):  # calls-audit, train-audit: the sentences they name, in range
                problems += _audit_problems(where, record, numbered)
            elif "question" in record:
                problems += _question_problems(where, record, numbered)
                kinds[record.get("kind", "?")] += 1
                parts[part(editorial_id)] += 1
                questioned.add(editorial_id)
            else:
                for role in ROLES:
                    bad = [n for n in record.get(role, []) if not 1 <= n <= len(numbered)]
                    if bad:
                        problems.append(f"{where}: {role} names sentences {bad} of {len(numbered)}")
                if not record.get("thesis"):
                    problems.append(f"{where}: no thesis sentence")
                labelled.add(editorial_id)
    total = sum(kinds.values())
    print(f"{total} questions over {len(questioned)} editorials; roles for {len(labelled)} editorials")
    for kind in KINDS:
        print(f"  {kind:12} {kinds[kind]:5}  {100 * kinds[kind] / max(total, 1):4.1f}%")
    print("  by part: " + ", ".join(f"{name} {parts[name]}" for name in ("train", "dev", "kept")))
    for problem in problems[:60]:
        print("PROBLEM", problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def _audit_problems(where: str, record: dict[str, Any], numbered: tuple[str, ...]) -> list[str]:
    problems = [f"{where}: {field} names sentences {bad} of {len(numbered)}" for field in ("sentences", *ROLES)
                if (bad := [n for n in record.get(field, []) if not 1 <= n <= len(numbered)])]
    if "sentences" in record and not 1 <= len(record["sentences"]) <= 4:  # an audited answer: 1-4 sentences
        problems.append(f"{where}: an audited answer names 1-4 sentences")
    return problems


def _question_problems(where: str, record: dict[str, Any], numbered: tuple[str, ...]) -> list[str]:
    problems = []
    kind, answers, texts = record.get("kind"), record.get("sentences", []), record.get("texts", [])
    if kind not in KINDS:
        problems.append(f"{where}: kind {kind!r}")
    if kind == "unanswerable":
        if answers or record.get("trap") not in TRAPS:
            problems.append(f"{where}: an unanswerable question has no sentences and a trap of {', '.join(TRAPS)}")
    elif not answers or len(answers) > 4:
        problems.append(f"{where}: an answerable question names 1-4 answering sentences")
    elif any(not 1 <= n <= len(numbered) for n in answers):
        problems.append(f"{where}: sentences {answers} of {len(numbered)}")
    elif [numbered[n - 1] for n in answers] != texts:
        problems.append(f"{where}: texts differ from sentences {answers}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("show").add_argument("ids", nargs="+")
    commands.add_parser("parts")
    commands.add_parser("check").add_argument("files", nargs="*", type=Path)
    squad = commands.add_parser("squad")
    squad.add_argument("out", type=Path)
    squad.add_argument("--part", default="train", choices=("train", "dev", "kept"))
    squad.add_argument("--files", type=Path, nargs="+", help="only these questions-*.jsonl files")
    squad.add_argument("--audited", action="store_true", help="why and stance answers as train-audit.jsonl has them")
    squad.add_argument("--without", nargs="+", default=(), choices=TRAPS, help="leave out the traps of these kinds")
    args = parser.parse_args()
    if args.command == "show":
        show(args.ids)
    elif args.command == "parts":
        kept_out = reserved()
        for editorial_id, row in editorials().items():
            if editorial_id not in kept_out:
                print(f"{editorial_id}\t{part(editorial_id)}\t{len(sentences(row))}")
    elif args.command == "squad":
        written = as_squad(args.out, args.part, args.files, args.audited, tuple(args.without))
        print(f"{written} questions written to {args.out}")
    else:
        sys.exit(check(args.files or sorted(WRITTEN.glob("*.jsonl"))))


if __name__ == "__main__":
    main()
