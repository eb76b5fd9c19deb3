"""Wall time of ``python -m bot ask --json`` answering 1,000 distinct questions from stdin,
start-up included (benchmark (c) of BENCHMARKS.md).

    .venv/bin/python benchmarks/bench_ask.py [--runs 5] [--questions 1000]

The questions are those of both evaluation sets, each also asked with a short opening in its
language ("hi, …", "bonjour, …", "请问…"), shuffled with a fixed seed and de-duplicated; the
first ``--questions`` are sent. Each run is a fresh process (imports, knowledge loading and
validation, index building, then answering); the start-up alone is measured with an empty
stdin. This process and its children are pinned to CPU 0.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

from common import (
    REPOSITORY,
    code_version,
    eval_questions,
    load,
    machine,
    markdown_table,
    pin_to_one_core,
)

TARGET_SECONDS = 3.0
OPENINGS = {
    "en": ["", "hi, ", "quick question: ", "sorry, "],
    "zh": ["", "你好，", "请问", "老师好，"],
    "fr": ["", "bonjour, ", "petite question : ", "excusez-moi, "],
}


def distinct_questions(count: int, seed: int = 0) -> list[str]:
    """``count`` different one-line questions built from the evaluation sets."""
    pool = [
        opening + question.replace("\n", " ")
        for question, lang in eval_questions()
        for opening in OPENINGS[lang]
    ]
    random.Random(seed).shuffle(pool)
    questions = list(dict.fromkeys(q for q in pool if q.strip()))
    if len(questions) < count:
        raise SystemExit(f"only {len(questions)} distinct questions available, not {count}")
    return questions[:count]


def ask(stdin: bytes) -> tuple[float, bytes]:
    # PYTHONDONTWRITEBYTECODE (set on the shared machine) would keep the unmeasured first run
    # from writing the .pyc files it is there to warm: every run would compile bot/ again.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "TELEGRAM_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input=stdin,
        capture_output=True,
        cwd=REPOSITORY,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"ask failed ({result.returncode}): {result.stderr.decode()[-2000:]}")
    return elapsed, result.stdout


def run(runs: int = 5, count: int = 1000, seed: int = 0) -> list[list[str]]:
    questions = distinct_questions(count, seed)
    stdin = "".join(f"{q}\n" for q in questions).encode()
    ask(b"fees\n")  # warm the file system cache and .pyc files, unmeasured
    startup = [ask(b"")[0] for _ in range(runs)]
    full = []
    for _ in range(runs):
        elapsed, stdout = ask(stdin)
        answered = stdout.decode().count("\n")
        if answered != count:
            raise SystemExit(f"expected {count} JSON lines, got {answered}")
        full.append(elapsed)
    per_question_ms = (statistics.median(full) - statistics.median(startup)) / count * 1000
    print(
        f"(c) {count} distinct questions; start-up alone (empty stdin): median "
        f"{statistics.median(startup):.2f} s; answering: ~{per_question_ms:.2f} ms per question"
    )
    return [
        [
            f"(c) `ask --json`, {count:,} questions",
            str(runs),
            f"{statistics.median(full):.2f}",
            f"{max(full):.2f}",
            f"{statistics.median(startup):.2f}",
            f"< {TARGET_SECONDS:g} s",
            "met" if max(full) < TARGET_SECONDS else "**missed**",
        ]
    ]


HEADERS = ["benchmark", "runs", "median s", "max s", "start-up s", "target", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    args = parser.parse_args()
    print(f"machine: {machine()}; {pin_to_one_core(not args.no_pin, args.cpu)}; {load()}")
    print(code_version())
    rows = run(args.runs, args.questions, args.seed)
    print()
    print(markdown_table(HEADERS, rows))


if __name__ == "__main__":
    main()
