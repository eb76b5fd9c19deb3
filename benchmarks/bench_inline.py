"""Inline mode (issue 13): how long the bot takes to answer an inline query, in process.

    .venv/bin/python benchmarks/bench_inline.py [--queries 400] [--rounds 3] [--cpu 0]

The application is ``build_application(...)`` as in production (SQLite persistence, every
handler), without the rate limiter (``answerInlineQuery`` is not rate limited by Telegram, and
the in-process harness has no Telegram to protect), over the in-process emulator
(``EmulatorRequest`` on a ``BotAPIEmulator`` with inline mode on). Simulated users, with
Telegram languages en, zh and fr, type inline queries: every question of the evaluation sets
(distinct, so each is matched for the first time; never printed), the prefixes of some of them
as Telegram sends them while the student types, and empty queries (the main topics). Each
query is timed (wall clock) from ``Update.de_json`` to the end of ``await
app.process_update(...)``: matching, building up to five cards, the ``answerInlineQuery`` call
(serialised by python-telegram-bot and validated by the emulator as Telegram would) and the
write-through persistence. A fresh application per round; the first 50 queries of a round
warm it up and are not counted. The process is pinned to one CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from common import (
    code_version,
    eval_questions,
    latency_summary,
    load,
    machine,
    markdown_table,
    pin_to_one_core,
)
from telegram import Update

from bot.settings import Settings
from bot.telegram.application import build_application, post_init
from telegram_emulator import BotAPIEmulator, EmulatorRequest

TARGET_MS = 50.0
WARM_UP = 50
HEADERS = (
    "round", "queries", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "≤ 50 ms",
    "CPU p50 ms", "CPU p99 ms",
)  # fmt: skip


def queries(count: int, seed: int) -> list[str]:
    """Distinct questions, some typing prefixes and some empty queries, shuffled."""
    rng = random.Random(seed)
    questions = [q for q, _ in eval_questions()]
    rng.shuffle(questions)
    typed = []
    for question in questions[: count // 10]:
        typed += [question[:cut] for cut in range(4, len(question), 6)]
    chosen = questions[: count - len(typed[: count // 5]) - count // 20]
    mixed = chosen + typed[: count // 5] + [""] * (count // 20)
    rng.shuffle(mixed)
    return mixed[:count]


async def one_round(texts: list[str], data_dir: Path) -> tuple[list[float], list[float]]:
    """Answer every query once; the wall-clock latencies and the process CPU times (ms)
    after the warm-up."""
    emulator = BotAPIEmulator(inline_mode=True)
    settings = Settings(telegram_token=emulator.token, data_dir=data_dir)
    app = build_application(settings, request=EmulatorRequest(emulator), rate_limit=False)
    users = [emulator.add_user(5000 + i, f"S{i}", ("en", "zh", "fr")[i % 3]) for i in range(30)]
    samples: list[float] = []
    cpu: list[float] = []
    await app.initialize()
    await post_init(app)
    try:
        for number, text in enumerate(texts):
            raw = users[number % len(users)].make_inline_query(text, "supergroup")
            started, started_cpu = time.perf_counter(), time.process_time()
            await app.process_update(Update.de_json(raw, app.bot))
            elapsed = (time.perf_counter() - started) * 1000
            if number >= WARM_UP:
                samples.append(elapsed)
                cpu.append((time.process_time() - started_cpu) * 1000)
        answered = sum(q.answered for q in emulator.inline_queries.values())
        assert answered == len(texts), f"{len(texts) - answered} queries not answered"
    finally:
        await app.shutdown()
    return samples, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description="inline query latency in the bot")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0)
    args = parser.parse_args()
    described = machine()
    print(f"machine: {described}; {pin_to_one_core(cpu=args.cpu)}; {load()}")
    print(code_version())
    rows, every, every_cpu = [], [], []
    for round_number in range(1, args.rounds + 1):
        texts = queries(args.queries + WARM_UP, seed=round_number)
        with tempfile.TemporaryDirectory() as directory:
            samples, cpu = asyncio.run(one_round(texts, Path(directory)))
        every += samples
        every_cpu += cpu
        rows.append(summary_row(str(round_number), samples, cpu))
    rows.append(summary_row("all", every, every_cpu))
    print(markdown_table(HEADERS, rows))
    print(f"after the runs: {load()}")


def summary_row(name: str, samples: list[float], cpu: list[float]) -> list[object]:
    stats, cpu_stats = latency_summary(samples), latency_summary(cpu)
    within = sum(s <= TARGET_MS for s in samples) / len(samples)
    return [
        name,
        stats["n"],
        f"{stats['p50']:.2f}",
        f"{stats['p95']:.2f}",
        f"{stats['p99']:.2f}",
        f"{stats['max']:.2f}",
        f"{stats['mean']:.2f}",
        f"{within:.1%}",
        f"{cpu_stats['p50']:.2f}",
        f"{cpu_stats['p99']:.2f}",
    ]


if __name__ == "__main__":
    main()
