"""Knowledge upkeep: grouping unanswered questions for ``/unanswered`` and rebuilding the
assistant when an example is added or on ``/reload``.

    .venv/bin/python benchmarks/bench_learning.py [--questions 500] [--runs 5]

The "unanswered" questions are those of both evaluation sets that the bot declines or only
suggests for (the kind ``/unanswered`` lists), repeated with small variations until there
are ``--questions`` of them (the most ``/unanswered`` groups at once). The rebuild loads and
checks knowledge, learned examples, texts, menus and the form, as ``/reload`` does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

from common import REPOSITORY, eval_questions, machine, pin_to_one_core

from bot.settings import Settings
from bot.telegram.content import load_content
from bot.understanding.answers import Assistant
from bot.understanding.grouping import Phrase, group_questions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=0)
    args = parser.parse_args()
    print(f"machine: {machine()}; {pin_to_one_core(cpu=args.cpu)}")
    settings = replace(Settings(), data_dir=Path("/nonexistent-bench-data"))
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    declined = [q for q, _ in eval_questions() if assistant.answer(q).intent is None]
    openings = ["", "hi, ", "please, ", "so "]
    phrases = [
        Phrase(i, openings[(i // len(declined)) % len(openings)] + declined[i % len(declined)])
        for i in range(args.questions)
    ]
    grouping, rebuild = [], []
    for _ in range(args.runs):
        fresh = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
        start = time.perf_counter()
        groups = group_questions(fresh, phrases)  # matcher caches cold, as after a rebuild
        grouping.append(time.perf_counter() - start)
        start = time.perf_counter()
        load_content(settings)
        rebuild.append(time.perf_counter() - start)
    print(
        f"{len(declined)} distinct declined questions; {len(phrases)} grouped into "
        f"{len(groups)} groups (largest {max(len(g.ids) for g in groups)})"
    )
    print("| step | runs | median s | max s |\n|---|---|---|---|")
    for name, values in (
        (f"group {len(phrases)} unanswered questions", grouping),
        ("rebuild (load + check knowledge, learned, texts, menus, form)", rebuild),
    ):
        print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | {max(values):.2f} |")


if __name__ == "__main__":
    main()
