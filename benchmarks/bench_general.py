"""Cost of the decline check with the general-questions test (issue 18, session 5): the CPU
time of ``Matcher.declined`` for one question, with and without ``GeneralQuestions``, its
cache emptied before each question, over every question of the dev evaluation sets (the
questions are never printed).

    .venv/bin/python benchmarks/bench_general.py [--cpu 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from common import load, pin_to_one_core

from bot.understanding.answers import Assistant
from bot.understanding.evaluation import load_cases

ROOT = Path(__file__).resolve().parent.parent
DEV_SETS = ("dev", "dev2", "real-dev", "real-dev2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpu", type=int, default=0)
    args = parser.parse_args()
    print(pin_to_one_core(cpu=args.cpu))
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "conversations")
    matcher = assistant.matcher
    questions = [
        case.question
        for name in DEV_SETS
        for case in load_cases(ROOT / "tests" / "eval" / f"{name}.yaml")
    ]
    for question in questions:  # warm-up: spelling correctors, regional words
        matcher.declined(question)
    general = matcher._general
    for with_general in (False, True, False, True):
        matcher._general = general if with_general else None
        times = []
        for question in questions:
            if general is not None:
                general.forget()
            started = time.process_time()
            matcher.declined(question)
            times.append((time.process_time() - started) * 1000)
        times.sort()
        p95, p99 = times[int(0.95 * len(times))], times[int(0.99 * len(times))]
        print(
            f"{'with' if with_general else 'without'} general questions: mean "
            f"{statistics.mean(times):.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms CPU "
            f"({len(questions)} questions)"
        )
    matcher._general = general
    print(load())


if __name__ == "__main__":
    main()
