"""Latency of ``Matcher.match`` for one question, on the real and on a 20x synthetic knowledge
base (benchmarks (a) and (b) of BENCHMARKS.md).

    .venv/bin/python benchmarks/bench_matching.py [--rounds 5] [--factor 20] [--seed 0]

Every question of both evaluation sets is matched ``--rounds`` times, one at a time, in a
shuffled order per round. The lru caches of the matcher and of ``bot.understanding.text`` are
emptied before each round, so a round never reuses the corrections or normalisations of the
previous one
(within a round, a word met twice is corrected once, as in the running bot). One unmeasured
warm-up round comes first. The process is pinned to CPU 0.
"""

from __future__ import annotations

import argparse
import gc
import random
import tempfile
import time
from pathlib import Path

from common import (
    KNOWLEDGE,
    clear_caches,
    code_version,
    eval_questions,
    latency_summary,
    load,
    machine,
    markdown_table,
    pin_to_one_core,
)
from synthetic import phrase_count, synthetic_kb

import bot.understanding.matcher
import bot.understanding.text
from bot.content.knowledge import KnowledgeBase, load_knowledge
from bot.understanding.embedding import default_encoder
from bot.understanding.matcher import Matcher, MatchingConfig

TARGETS_MS = {"real": 5.0, "synthetic": 20.0}  # p99 of one question (issue 9)
CACHE = Path(tempfile.gettempdir()) / "cqmu-bench-embeddings"


def build(kb: KnowledgeBase, config: MatchingConfig) -> tuple[Matcher, float]:
    """The hybrid matcher (sentence encoder on; embeddings cached between runs, so the build
    time shown is with a warm cache after the first run)."""
    encoder = default_encoder()
    started = time.perf_counter()
    matcher = Matcher(kb, config, encoder, CACHE)
    return matcher, time.perf_counter() - started


def measure(
    matcher: Matcher, questions: list[str], rounds: int, seed: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Per-question latencies (ms) over ``rounds`` shuffled rounds, caches emptied in between:
    wall-clock time, and the CPU time of this thread (which leaves out the time other
    processes took the core from us, the main noise on a shared machine)."""
    rng = random.Random(seed)
    clear_caches(bot.understanding.text, bot.understanding.matcher)
    matcher.clear_caches()
    for question in questions:  # warm-up: imports, allocator, branch predictors
        matcher.match(question)
    wall: list[float] = []
    cpu: list[float] = []
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for _ in range(rounds):
        order = questions[:]
        rng.shuffle(order)
        clear_caches(bot.understanding.text, bot.understanding.matcher)
        matcher.clear_caches()
        gc.collect()
        for question in order:
            started, cpu_started = clock(), cpu_clock()
            matcher.match(question)
            cpu_ended, ended = cpu_clock(), clock()
            wall.append((ended - started) / 1e6)
            cpu.append((cpu_ended - cpu_started) / 1e6)
    return latency_summary(wall), latency_summary(cpu)


def describe(matcher: Matcher, kb: KnowledgeBase) -> str:
    """Size of what the matcher searches (private attributes read for reporting only)."""
    idf = getattr(getattr(matcher, "_lexical", None), "_idf", {})
    latin = sum(1 for token in idf if token.isascii())
    return (
        f"{len(kb.entries)} entries + {len(kb.items)} items, {phrase_count(kb)} phrases, "
        f"{len(idf)} indexed tokens ({latin} Latin)"
    )


def run(
    rounds: int = 5, factor: int = 20, seed: int = 0, synthetic: bool = True
) -> list[list[str]]:
    """Run (a) and, unless told not to, (b); return the table rows."""
    config = MatchingConfig.load(KNOWLEDGE / "matching.yaml")
    real = load_knowledge(KNOWLEDGE)
    questions = [question for question, _ in eval_questions()]
    bases = [("real", "(a) full knowledge base", real)]
    if synthetic:
        bases.append(
            (
                "synthetic",
                f"(b) synthetic {factor}x knowledge base",
                synthetic_kb(real, factor, seed),
            )
        )
    rows = []
    for key, label, kb in bases:
        matcher, build_seconds = build(kb, config)
        stats, cpu = measure(matcher, questions, rounds, seed)
        target = TARGETS_MS[key]
        print(f"{label}: {describe(matcher, kb)}; index built in {build_seconds:.2f} s")
        rows.append(
            [
                label,
                f"{stats['n']:,}",
                f"{stats['p50']:.3f}",
                f"{stats['p95']:.3f}",
                f"{stats['p99']:.3f}",
                f"{stats['max']:.3f}",
                f"{cpu['p99']:.3f}",
                f"p99 < {target:g} ms",
                "met" if stats["p99"] < target else "**missed**",
            ]
        )
    return rows


HEADERS = [
    "benchmark",
    "samples",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "p99 CPU ms",
    "target",
    "",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--factor", type=int, default=20, help="size of the synthetic KB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-synthetic", action="store_true", help="only benchmark (a)")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    args = parser.parse_args()
    print(f"machine: {machine()}; {pin_to_one_core(not args.no_pin, args.cpu)}; {load()}")
    print(code_version())
    rows = run(args.rounds, args.factor, args.seed, synthetic=not args.no_synthetic)
    print()
    print(markdown_table(HEADERS, rows))


if __name__ == "__main__":
    main()
