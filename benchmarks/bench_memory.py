"""Resident memory of ``python -m bot run`` (issue 3), after start-up and after questions.

    .venv/bin/python benchmarks/bench_memory.py [--memory-questions 1000] [--cpu 0]

VmRSS/VmHWM of ``python -m bot run`` (``tests.auxil.harness.BotProcess``, production configuration,
rate limiter included) polling an ``EmulatorServer`` (HTTP on 127.0.0.1, served by this
process): once idle after its first poll, and after answering ``--memory-questions`` distinct
questions (held-out questions with an opening and a closing; never printed) sent at once by
simulated students, at most 6 each. A first, unmeasured start fills the matcher's cache (KB
embeddings, ready model) that the measured process starts with: the target is for a warm
cache. The time to answer them all is reported too (Telegram's 30 messages a second).

This process and the bot are pinned to one CPU (``--cpu``, default 0); the emulator server
shares that core with the bot process.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from common import (
    ProcessRun,
    Users,
    below,
    markdown_table,
    print_bot_figure,
    questions,
    status_kb,
)

TARGET_RSS_MB = 200.0  # issues 9 and 18 (the sentence encoder; was 150 MB)


async def memory(count: int, root: Path) -> dict[str, Any]:
    warm_up = ProcessRun(root, "warm-up")  # fills the matcher cache; not measured
    await warm_up.start()
    await warm_up.emulator.wait_idle(quiet=0.2, timeout=10)
    await warm_up.stop()
    run = ProcessRun(root, "memory")
    await run.start()
    await run.emulator.wait_idle(quiet=0.5, timeout=10)
    after_start = status_kb(run.pid)
    users = Users(run.emulator, 50_000)
    started = time.perf_counter()
    sent = 0
    for text, lang in questions(count, seed=1):
        users.pick(lang).send(text)
        sent += 1
    await run.emulator.wait_idle(quiet=1.0, timeout=count * 0.5 + 30)
    elapsed = time.perf_counter() - started - 1.0  # minus the quiet second of wait_idle
    after_questions = status_kb(run.pid)
    answered = sum(1 for r in run.emulator.requests if r.method == "sendMessage" and r.ok)
    errors = len(run.emulator.errors)
    code, shutdown = await run.stop()
    return {
        "after_start": after_start,
        "after_questions": after_questions,
        "sent": sent,
        "answered": answered,
        "errors": errors,
        "users": users.created,
        "elapsed": elapsed,
        "exit": (code, shutdown),
    }


def memory_report(result: dict[str, Any]) -> str:
    start, end = result["after_start"], result["after_questions"]
    mb = lambda kb: f"{kb / 1024:.1f}"  # noqa: E731
    hwm = end["VmHWM"] / 1024
    return "\n".join(
        [
            f"{result['sent']} questions from {result['users']} simulated users, all queued at "
            f"once through the HTTP server; {result['answered']} sendMessage calls answered, "
            f"{result['errors']} rejected calls; all handled in {result['elapsed']:.1f} s "
            "(production configuration: AIORateLimiter, 30 requests/s overall); exit code "
            f"{result['exit'][0]} after SIGTERM.",
            "",
            markdown_table(
                ["moment", "VmRSS MB", "VmHWM MB", "RssAnon MB", "RssFile MB"],
                [
                    [
                        "after start-up (first poll, idle)",
                        mb(start["VmRSS"]),
                        mb(start["VmHWM"]),
                        mb(start["RssAnon"]),
                        mb(start["RssFile"]),
                    ],
                    [
                        f"after {result['sent']} questions",
                        mb(end["VmRSS"]),
                        mb(end["VmHWM"]),
                        mb(end["RssAnon"]),
                        mb(end["RssFile"]),
                    ],
                ],
            ),
            "",
            markdown_table(
                ["figure", "value", "target", "verdict"],
                [
                    below(
                        "peak resident memory (VmHWM)",
                        hwm,
                        TARGET_RSS_MB,
                        f"{hwm:.1f} MB",
                        f"{TARGET_RSS_MB:.0f} MB",
                    )
                ],
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--memory-questions", type=int, default=1000)
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    args = parser.parse_args()
    print_bot_figure(
        args.cpu,
        "3. Resident memory of `python -m bot run`",
        lambda root: memory(args.memory_questions, root),
        memory_report,
    )


if __name__ == "__main__":
    main()
