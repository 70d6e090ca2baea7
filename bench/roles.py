"""The summary's sentence roles on the written roles' dev part, and the register of the written news reports.

    python bench/roles.py --calls       # dev: calls precision, recall, no-call editorials clean by _CALL_ABOVE
    python bench/roles.py --folds       # five-fold cross-validation over train and dev: _CALL_ABOVE, the calls' cap
    python bench/roles.py --reports     # how far the written reports (bot/weights/reports/) read as arguing

--calls tries the threshold on the real engine (bot/engines/extractive.py's _CALL_ABOVE) with
`newsdesk eval editorials --roles`'s own scoring; the kept part is reported by that command, never tuned on here.
--folds retrains the role model (`train_roles`) on four fifths of the train and dev parts' 206 editorials and scores
the summaries of the fifth, for each call threshold and cap on a medium summary's calls: the mean over the five folds,
weighted by their editorials. It chose _CALL_ABOVE and the medium cap of _CALLS (nine minutes on 2 cores); an
earlier form of it, _KEY_WEIGHT.
--reports prints `Roles.argues` over the 80 written reports: under _REPORT a text is summarised by salience alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.engines.extractive as extractive  # noqa: E402
import bot.engines.salience as salience  # noqa: E402
from bot.app import build_newsdesk  # noqa: E402
from bot.engines.roles import RoleModel  # noqa: E402
from bot.evaluation.data import part, read_rows, written_rows  # noqa: E402
from bot.evaluation.role_training import train_roles  # noqa: E402
from bot.evaluation.roles import ROLE_FIELDS, evaluate_roles  # noqa: E402
from bot.reading.editorial import make_editorial  # noqa: E402
from bot.settings import load_settings  # noqa: E402

WRITTEN = ROOT / "bot" / "weights" / "editorials"
REPORTS = ROOT / "bot" / "weights" / "reports"
EDITORIALS = ROOT.parent / "shared" / "data" / "eval" / "editorials_webis_coling20.jsonl"


def calls(editorials: Path) -> None:
    desk = build_newsdesk(load_settings())
    rows, texts = written_rows(WRITTEN, "roles", ROLE_FIELDS, editorials, "dev")
    print(f"{'above':>6} {'precision':>10} {'recall':>8} {'clean':>7}   (dev, {len(rows)} editorials)")
    for above in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        extractive._CALL_ABOVE = above
        scores = evaluate_roles(desk, rows, texts)["systems"]["newsdesk"]
        print(f"{above:>6} {scores['calls_precision']:>10} {scores['calls_recall']:>8} {scores['no_call_clean']:>7}")


def folds(editorials: Path, count: int = 5) -> None:
    desk = build_newsdesk(load_settings())
    rows, texts = written_rows(WRITTEN, "roles", ROLE_FIELDS, editorials, None)
    rows = [row for row in rows if part(str(row["editorial"])) != "kept"]  # the kept part is reported, never tuned on
    order = np.random.RandomState(0).permutation(len(rows))
    settings = [(above, cap) for above in (0.3, 0.35, 0.4, 0.45) for cap in (5, 8, 12)]
    scores: dict[tuple[float, float], list[tuple[int, dict[str, float]]]] = {setting: [] for setting in settings}
    with tempfile.TemporaryDirectory() as scratch:
        for fold in range(count):
            held = [rows[i] for i in order[fold::count]]
            trained = {str(row["editorial"]) for row in rows} - {str(row["editorial"]) for row in held}
            weights = Path(scratch) / f"fold-{fold}.safetensors"
            train_roles(editorials, WRITTEN, weights, desk.embedder, among=trained)
            desk.engine.roles = RoleModel(weights)  # type: ignore[attr-defined]
            for above, cap in settings:
                extractive._CALL_ABOVE, extractive._CALLS["medium"] = above, cap
                scores[(above, cap)].append((len(held), evaluate_roles(desk, held, texts)["systems"]["newsdesk"]))
    metrics = list(scores[settings[0]][0][1])
    print(f"{'above':>6} {'cap':>4} " + " ".join(f"{m:>17}" for m in metrics) + f"   ({len(rows)} editorials, "
          f"{count} folds)")
    for (above, cap), folded in scores.items():
        means = [np.average([s[m] for _, s in folded], weights=[n for n, _ in folded]) for m in metrics]
        print(f"{above:>6} {cap:>4} " + " ".join(f"{v:>17.1f}" for v in means))


def reports() -> None:
    desk = build_newsdesk(load_settings())
    roles = desk.engine.roles  # type: ignore[attr-defined]
    argues = []
    for path in sorted(REPORTS.glob("reports-*.jsonl")):
        for row in read_rows(path, ("id", "title", "text")):
            report = make_editorial(f"{row['title']}\n{row['text']}", str(row["id"]))
            argues.append(roles.read(report.sentences, desk.embedder.encode(report.sentences)).argues)
    values = np.array(argues)
    print(f"{len(values)} reports: argues mean {values.mean():.3f}, median {np.median(values):.3f}, 95th percentile "
          f"{np.percentile(values, 95):.3f}; under {salience._REPORT} (salience alone): "
          f"{(values < salience._REPORT).mean():.0%}; under {salience._ARGUMENT}: "
          f"{(values < salience._ARGUMENT).mean():.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--calls", action="store_true")
    which.add_argument("--folds", action="store_true")
    which.add_argument("--reports", action="store_true")
    parser.add_argument("--editorials", type=Path, default=EDITORIALS)
    args = parser.parse_args()
    if args.calls:
        calls(args.editorials)
    elif args.folds:
        folds(args.editorials)
    else:
        reports()


if __name__ == "__main__":
    main()
