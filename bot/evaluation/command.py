"""The `newsdesk eval` command line: summaries, answers and editorials, each with `--peers` and `--json`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.errors import BadInput
from bot.evaluation.data import read_rows, written_rows
from bot.newsroom.desk import Newsdesk

__all__ = ["add_eval_parser", "run_eval"]

ANSWER_FIELDS = ("id", "context_id", "context", "question", "answers", "is_impossible")


def add_eval_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `eval summaries|answers|editorials` to the `newsdesk` parser."""
    parser = commands.add_parser("eval", help="measure newsdesk against reference data and the peers")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    summaries = kinds.add_parser("summaries", help="ROUGE against reference summaries")
    budget = summaries.add_mutually_exclusive_group()
    budget.add_argument("--sentences", type=int, default=3, metavar="K", help="summary length (default 3)")
    budget.add_argument("--ratio", type=float, metavar="R", help="summary length as a share of the sentences")
    answers = kinds.add_parser("answers", help="answer sentences and abstention on SQuAD 2.0 rows, or on the written "
                               "editorial questions (a questions-*.jsonl file or their folder, with --editorials)")
    answers.add_argument("--editorials", type=Path, metavar="WEBIS.jsonl",
                         help="the editorials the written questions are about (editorials_webis_coling20.jsonl)")
    editorials = kinds.add_parser("editorials", help="argument share of key points on labelled editorials, or "
                                  "summaries against written sentence roles (--roles)")
    editorials.add_argument("--sentences", type=int, default=3, metavar="K")
    editorials.add_argument("--roles", type=Path, metavar="DIR",
                            help="written roles (roles-*.jsonl, as in bot/weights/editorials) of FILE's editorials")
    for sub in (answers, editorials):
        sub.add_argument("--part", choices=("train", "dev", "kept"), help="only the written rows of this part")
    for sub in (summaries, answers, editorials):
        sub.add_argument("file", type=Path, metavar="FILE.jsonl")
        sub.add_argument("--peers", action="store_true", help="score the peer methods in the same run")
        sub.add_argument("--json", action="store_true", help="print the table as JSON")
    for sub in (summaries, answers):
        sub.add_argument("--outputs", type=Path, metavar="OUT.jsonl", help="write newsdesk's output per row")
    return parser


def run_eval(desk: Newsdesk, args: argparse.Namespace) -> dict[str, Any]:
    """Run the evaluation `args` name, print its table, and return it."""
    from bot.evaluation.answers import evaluate_answers
    from bot.evaluation.arguments import evaluate_arguments
    from bot.evaluation.summaries import evaluate_summaries

    desk.embedder.load()
    columns: tuple[str, ...]
    if args.kind == "summaries":
        rows = read_rows(args.file, ("id", "article", "reference"))
        if args.ratio is not None and not 0 < args.ratio <= 1:
            raise BadInput("--ratio takes a share between 0 and 1, such as 0.4.")
        result = evaluate_summaries(desk, _progress(rows, "Summarising"), sentences=args.sentences,
                                    ratio=args.ratio, peers=args.peers, outputs=args.outputs)
        columns = ("rouge1", "rouge2", "rougeLsum")
    elif args.kind == "answers" and (args.file.is_dir() or args.editorials or _written(args.file)):
        result = _editorial_questions(desk, args)
        print(json.dumps({"file": args.file.name} | result, indent=2) if args.json else _table(
            {"file": args.file.name} | {k: v for k, v in result.items() if k not in ("by_kind", "quoted")},
            ("ranking_right",))
            + "\n\nby kind (answered right; unanswerable: declined): "
            + ", ".join(f"{kind} {value}" for kind, value in result["by_kind"].items())
            + "\nquoted sentences of the answers (precision, recall against the written answers; sentences): "
            + ", ".join(f"{key} {value}" for key, value in result["quoted"].items()))
        return result
    elif args.kind == "answers":
        rows = read_rows(args.file, ANSWER_FIELDS)
        result = evaluate_answers(desk, _progress(rows, "Answering"), peers=args.peers, outputs=args.outputs)
        columns = ("hit_at_1", "auroc")
    elif args.roles is not None:
        result = _written_roles(desk, args)
        columns = ("tldr_is_thesis", "thesis_in_summary", "calls_precision", "calls_recall", "no_call_clean",
                   "key_precision")
    else:
        rows = read_rows(args.file, ("id", "article", "adus"))
        result = evaluate_arguments(desk, _progress(rows, "Reading"), sentences=args.sentences, peers=args.peers)
        columns = ("argument_share",)
    result = {"file": args.file.name} | result
    print(json.dumps(result, indent=2) if args.json else _table(result, columns))
    return result


def _progress(rows: list[dict[str, Any]], label: str) -> Any:
    from rich.progress import track  # here, not above: every command's start would pay for importing rich

    return track(rows, description=label, transient=True) if len(rows) > 20 else rows


def _table(result: dict[str, Any], columns: tuple[str, ...]) -> str:
    header = " · ".join(f"{k} {v}" for k, v in result.items() if k != "systems")
    widths = [max(16, len(c) + 2) for c in columns]
    lines = [header, "", f"{'system':16}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))]
    for name, values in result["systems"].items():
        cells = "".join(f"{'-' if values[c] is None else values[c]:>{w}}" for c, w in zip(columns, widths, strict=True))
        lines.append(f"{name:16}{cells}")
    return "\n".join(lines)


def _editorial_questions(desk: Newsdesk, args: argparse.Namespace) -> dict[str, Any]:
    """The written editorial questions in a file or a folder of questions-*.jsonl, on the editorials they are about."""
    from bot.evaluation.editorial_questions import QUESTION_FIELDS, evaluate_editorial_questions

    if args.editorials is None:
        raise BadInput("The written editorial questions need --editorials editorials_webis_coling20.jsonl.")
    rows, editorials = written_rows(args.file, "questions", QUESTION_FIELDS, args.editorials, args.part)
    return evaluate_editorial_questions(desk, _progress(rows, "Answering"), editorials, peers=args.peers)


def _written_roles(desk: Newsdesk, args: argparse.Namespace) -> dict[str, Any]:
    """Summaries of FILE's editorials against the written roles in a roles-*.jsonl file or their folder."""
    from bot.evaluation.roles import ROLE_FIELDS, evaluate_roles

    rows, editorials = written_rows(args.roles, "roles", ROLE_FIELDS, args.file, args.part)
    return evaluate_roles(desk, _progress(rows, "Summarising"), editorials, peers=args.peers)


def _written(path: Path) -> bool:
    """Whether `path` holds written editorial questions (rows naming an "editorial") rather than SQuAD rows."""
    try:
        with path.open(encoding="utf-8") as lines:
            return '"editorial"' in next(lines, "")
    except (OSError, UnicodeDecodeError):
        return False  # read_rows says what is wrong with it
