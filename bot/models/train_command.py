"""The `newsdesk train` command line: train the answer reader on SQuAD-format data (or average trained weights
files), or the sentence-role model on the written roles."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.errors import BadInput
from bot.models.networks import READER_WEIGHTS

_LABELS = Path(__file__).resolve().parent.parent / "weights" / "editorials"

__all__ = ["add_train_parser", "run_train"]


def add_train_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `train reader` and `train roles` to the `newsdesk` parser."""
    train = commands.add_parser("train", help="train newsdesk's answer reader on SQuAD-format data, or its sentence "
                                "roles on the written roles")
    train.add_argument("network", choices=("reader", "roles"),
                       help="what to train: the answer reader, or the sentence roles the summaries use")
    train.add_argument("--editorials", type=Path, metavar="WEBIS.jsonl",
                       help="roles: the Webis editorials (texts and argument units) the written roles are about")
    train.add_argument("--labels", type=Path, default=_LABELS,
                       help="roles: the folder of written roles-*.jsonl (default: the shipped ones)")
    train.add_argument("--data", type=Path, action="append",
                       help="SQuAD-format JSONL, one paragraph a line (a question without answers is unanswerable); "
                       "give it again for more files")
    train.add_argument("--out", type=Path, help="where the weights go (default: the shipped file)")
    train.add_argument("--questions", type=int, action="append",
                       help="how many questions to train on, from each file (default 7000); give it once per --data, "
                       "in the same order, to draw a different number from each")
    train.add_argument("--seed", type=int, default=13, help="which questions, in which order (default 13)")
    train.add_argument("--start", type=Path, help="continue from these trained weights")
    train.add_argument("--steps", type=int, help="stop after this many steps (the schedule stays the whole run's)")
    train.add_argument("--turned", type=float, help="share of the questions that can be turned (an antonym, a "
                       "negation) also asked turned; 0 for none (default: bot.models.training.TURNED_SHARE)")
    train.add_argument("--rewritten", type=float, help="share of the questions that can be rewritten each other way "
                       "(a contrary word, a related word, two words exchanged) also asked so; 0 for none (default: "
                       "bot.models.training.REWRITTEN_SHARE)")
    train.add_argument("--inverted", type=float, help="share of the questions that can be inverted (the answer put in "
                       "a name's place, a negation the sentence shares taken out) also asked so (default: "
                       "bot.models.training.INVERTED_SHARE)")
    train.add_argument("--unanswered", type=float, help="share of the questions also asked of their answering "
                       "sentence with the answer taken out (default: bot.models.training.UNANSWERED_SHARE)")
    train.add_argument("--average", type=Path, nargs="+", metavar="WEIGHTS",
                       help="instead of training, write the mean of these trained weights files to --out")
    return train


def run_train(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Train (or average) the reader as `args` say; what to print, as JSON and as text. (`train roles` is
    bot/evaluation/role_training.py's: it trains on the written data.)"""
    from bot.models.training import (
        INVERTED_SHARE,
        REWRITTEN_SHARE,
        TURNED_SHARE,
        UNANSWERED_SHARE,
        average_weights,
        train_reader,
    )

    out = args.out or READER_WEIGHTS
    if args.average:
        return ({"weights": str(average_weights(args.average, out))},
                f"Averaged {len(args.average)} weights files into {out}.")
    if not args.data:
        raise BadInput("`newsdesk train reader` needs --data FILE.jsonl, or --average WEIGHTS ... to average "
                       "trained files.")

    report = train_reader(args.data, out, questions=args.questions or 7_000, seed=args.seed,
                          start=args.start, steps=args.steps,
                          turned=TURNED_SHARE if args.turned is None else args.turned,
                          rewritten=REWRITTEN_SHARE if args.rewritten is None else args.rewritten,
                          inverted=INVERTED_SHARE if args.inverted is None else args.inverted,
                          unanswered=UNANSWERED_SHARE if args.unanswered is None else args.unanswered)
    return ({"groups": report.groups, "pairs": report.pairs, "steps": report.steps,
             "first_loss": report.first_loss, "last_loss": report.last_loss, "seconds": report.seconds,
             "weights": str(report.path)},
            f"Trained the reader on {report.groups:,} groups ({report.pairs:,} pairs) in {report.seconds:.0f} s "
            f"(loss {report.first_loss:.3f} -> {report.last_loss:.3f}); weights in {report.path}.")
