"""Run every evaluation on the development data, newsdesk beside the peers, and draw the chart.

    python bench/quality.py [../shared/data/eval]      # writes docs/quality.json and docs/quality.png

Budgets as issue 3 fixes them: 3 sentences, XSum 1, BBC 40% of the sentences; one configuration for all.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Settings, build_newsdesk  # noqa: E402
from bot.evaluation.answers import evaluate_answers  # noqa: E402
from bot.evaluation.arguments import evaluate_arguments  # noqa: E402
from bot.evaluation.command import ANSWER_FIELDS  # noqa: E402
from bot.evaluation.data import read_rows, written_rows  # noqa: E402
from bot.evaluation.editorial_questions import QUESTION_FIELDS, evaluate_editorial_questions  # noqa: E402
from bot.evaluation.roles import ROLE_FIELDS, evaluate_roles  # noqa: E402
from bot.evaluation.summaries import evaluate_summaries  # noqa: E402

WRITTEN = ROOT / "bot" / "weights" / "editorials"
WEBIS = "editorials_webis_coling20.jsonl"
SUMMARY_SETS = {  # file: (sentences, ratio)
    "summ_cnndm_test_rose.jsonl": (3, None),
    "summ_news_writer_refs.jsonl": (3, None),
    "summ_xsum_test_sample.jsonl": (1, None),
    "summ_bbc_news.jsonl": (3, 0.4),
}


def run(data: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        desk = build_newsdesk(Settings(db_path=Path(folder) / "quality.db"))
        results: dict[str, Any] = {"summaries": {}}
        for name, (sentences, ratio) in SUMMARY_SETS.items():
            rows = read_rows(data / name, ("id", "article", "reference"))
            results["summaries"][name] = evaluate_summaries(desk, rows, sentences=sentences, ratio=ratio, peers=True)
            print(name, json.dumps(results["summaries"][name]["systems"]), flush=True)
        results["answers"] = evaluate_answers(desk, read_rows(data / "qa_squad2_dev.jsonl", ANSWER_FIELDS), peers=True)
        print("answers", json.dumps(results["answers"]), flush=True)
        results["editorials"] = evaluate_arguments(
            desk, read_rows(data / WEBIS, ("id", "article", "adus")), peers=True)
        print("editorials", json.dumps(results["editorials"]), flush=True)
        results["editorial_questions"] = written_questions(desk, data)
        print("editorial questions", json.dumps(results["editorial_questions"]), flush=True)
        results["editorial_roles"] = written_roles(desk, data)
        print("editorial roles", json.dumps(results["editorial_roles"]), flush=True)
    return results


def written_questions(desk: Any, data: Path) -> dict[str, Any]:
    """The written editorial questions' kept part (bot/weights/editorials/), with the peers' ranking beside it."""
    rows, editorials = written_rows(WRITTEN, "questions", QUESTION_FIELDS, data / WEBIS, "kept")
    return evaluate_editorial_questions(desk, rows, editorials, peers=True)


def written_roles(desk: Any, data: Path) -> dict[str, Any]:
    """Medium summaries of the written roles' kept part (bot/weights/editorials/roles-*.jsonl), with the peers."""
    return evaluate_roles(desk, *written_rows(WRITTEN, "roles", ROLE_FIELDS, data / WEBIS, "kept"), peers=True)


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(results["summaries"])
    systems = list(results["summaries"][sets[0]]["systems"])
    figure, (left, right, written, roles) = plt.subplots(1, 4, figsize=(21, 4.8),
                                                         gridspec_kw={"width_ratios": [3, 1, 1.4, 2.4]})
    width = 0.8 / len(systems)
    for n, system in enumerate(systems):
        values = [results["summaries"][s]["systems"][system]["rouge2"] for s in sets]
        left.bar([i + n * width for i in range(len(sets))], values, width, label=system)
    left.set_xticks([i + 0.4 - width / 2 for i in range(len(sets))],
                    [s.removeprefix("summ_").removesuffix(".jsonl") for s in sets])
    left.set_ylabel("ROUGE-2 F1")
    left.set_title("Summaries: ROUGE-2 by system (dev half)")
    left.legend(fontsize=8)
    answer_systems = results["answers"]["systems"]
    right.bar(list(answer_systems), [v["hit_at_1"] for v in answer_systems.values()],
              color=["tab:blue", "tab:gray", "tab:gray"])
    right.set_ylim(50, 100)
    right.set_ylabel("hit@1 (%)")
    right.set_title("Answers: SQuAD 2.0 hit@1")
    asked = results["editorial_questions"]
    bars = {"newsdesk\nall right": asked["all_right"],
            **{f"{name}\nranking": v["ranking_right"] for name, v in asked["systems"].items()}}
    written.bar(list(bars), list(bars.values()), color=["tab:blue"] * 2 + ["tab:gray"] * (len(bars) - 2))
    written.set_ylim(0, 100)
    written.set_ylabel("right (%)")
    written.set_title("Editors' questions (kept part)")
    written.tick_params(axis="x", labelsize=7)
    role_systems = results["editorial_roles"]["systems"]
    metrics = list(next(iter(role_systems.values())))
    step = 0.8 / len(role_systems)
    for n, (name, values) in enumerate(role_systems.items()):
        roles.bar([i + n * step for i in range(len(metrics))], [values[m] or 0 for m in metrics], step, label=name)
    roles.set_xticks([i + 0.4 - step / 2 for i in range(len(metrics))], [m.replace("_", "\n") for m in metrics],
                     fontsize=7)
    roles.set_ylim(0, 100)
    roles.set_ylabel("%")
    roles.set_title("Summaries against written roles (kept part)")
    roles.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "eval")
    args = parser.parse_args()
    results = run(args.data)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "quality.json").write_text(json.dumps(results, indent=2) + "\n")
    chart(results, ROOT / "docs" / "quality.png")
    print("wrote docs/quality.json and docs/quality.png")


if __name__ == "__main__":
    main()
