"""The Telegram bot's handler cost (issue 3) against a bare python-telegram-bot echo bot.

    .venv/bin/python benchmarks/bench_handler_cost.py [--updates 2000] [--rounds 2]
        [--warmup 200] [--what-if] [--profile] [--cpu 0]

Both bots are ``Application`` objects over the same in-process transport (``EmulatorRequest``
on a ``BotAPIEmulator``), with no rate limiter: the in-process harness has no network and no
Telegram to protect, and the limiter would only add its own waits. The echo bot is PTB's
minimal bot (one ``MessageHandler`` replying the text back); ours is ``build_application(...)``
as in production, SQLite persistence included. Each bot is fed the same distinct text messages
(questions of ``tests/eval/holdout.yaml`` with an opening and a closing in their language;
never printed) from many simulated users, at most 6 each, so that the per-user flood guard (12
messages per 10 s) never triggers. Each update is timed (wall clock) from ``Update.de_json`` to
the end of ``await app.process_update(...)`` (for ours this includes the write-through
``update_persistence``); the CPU time of the whole process over the same updates is reported
too, as it is not inflated when another process shares the core. Each bot runs in fresh worker
processes of this script (a shared process would make the echo bot pay for our heap's garbage
collections and our SQLite thread), ``--rounds`` times, alternating, each after a warm-up of
200 updates. A worker during which other processes took more than 3% of the CPU is run again
(up to 3 times). ``--what-if`` also times our bot with its costs removed one by one, by
patching the worker process only (see ``VARIANTS``): a diagnosis, not a measurement of the
product.

This process and its workers are pinned to one CPU (``--cpu``, default 0).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import (
    MESSAGES_PER_USER,
    Users,
    bot_header,
    cpu_busy_seconds,
    load,
    markdown_table,
    percentile,
    questions,
)
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot.settings import Settings
from bot.telegram.application import ExchangeApplication, build_application
from bot.telegram.context import services_of
from telegram_emulator import BotAPIEmulator, EmulatorRequest

TARGET_RATIO = 1.5
BLOCK = 100


class TimedRequest(EmulatorRequest):
    """The in-process transport, adding up the time spent in the emulator (JSON included)."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        super().__init__(emulator)
        self.seconds = 0.0

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            return await super().do_request(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


class Bench:
    """One bot over its own emulator, with timings of every fed update."""

    def __init__(
        self,
        name: str,
        emulator: BotAPIEmulator,
        app: Application[Any, Any, Any, Any, Any, Any],
        request: TimedRequest,
    ) -> None:
        self.name, self.emulator, self.app, self.request = name, emulator, app, request
        self.users = Users(emulator, 10_000)
        self.samples_ns: list[int] = []
        self.cpu_ns = 0
        self.answer_seconds = 0.0
        self.answer_calls = 0
        self.emulator_seconds = 0.0
        self.methods: Counter[str] = Counter()

    async def feed(self, batch: list[tuple[str, str]], *, record: bool) -> None:
        updates = [self.users.pick(lang).make_message(text) for text, lang in batch]
        requests_before = len(self.emulator.requests)
        request_before = self.request.seconds
        bot, process = self.app.bot, self.app.process_update
        samples = []
        cpu_started = time.process_time_ns()
        for data in updates:
            started = time.perf_counter_ns()
            await process(Update.de_json(data, bot))
            samples.append(time.perf_counter_ns() - started)
        cpu = time.process_time_ns() - cpu_started
        if record:
            self.samples_ns += samples
            self.cpu_ns += cpu
            self.emulator_seconds += self.request.seconds - request_before
            self.methods.update(r.method for r in self.emulator.requests[requests_before:])
        errors = [r for r in self.emulator.requests[requests_before:] if not r.ok]
        if errors:
            raise SystemExit(f"{self.name}: the emulator rejected calls: {errors[:3]}")


async def echo(update: Update, context: object) -> None:
    """PTB's echo example: ``update.message.reply_text(update.message.text)``."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def echo_bench() -> Bench:
    emulator = BotAPIEmulator()
    request = TimedRequest(emulator)
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .request(request)
        .get_updates_request(EmulatorRequest(emulator))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    return Bench("echo", emulator, app, request)


VARIANTS = {
    "once": "one match per update (a 2nd assistant.answer of the same text reuses the reply)",
    "noaction": "no sendChatAction",
    "free": "assistant.answer free (replies computed before timing)",
    "nobuttons": "no inline keyboard on the answer",
    "nowrite": "no update_persistence after each update",
}
WHAT_IF = (
    "ours:once",
    "ours:once,noaction",
    "ours:once,noaction,free",
    "ours:once,noaction,free,nobuttons",
    "ours:once,noaction,free,nobuttons,nowrite",
)


async def our_bench(
    data_dir: Path,
    variant: frozenset[str] = frozenset(),
    texts: Sequence[tuple[str, str]] = (),
) -> Bench:
    """Our application. ``variant`` (diagnosis only, patched in this worker process, never in
    the code base) removes costs one by one: see ``VARIANTS``."""
    emulator = BotAPIEmulator()
    request = TimedRequest(emulator)
    settings = Settings(telegram_token=emulator.token, data_dir=data_dir)
    app = build_application(settings, request=request, rate_limit=False)
    await app.initialize()
    if app.post_init is not None:  # register_commands, as run_polling does
        await app.post_init(app)
    bench = Bench("ours", emulator, app, request)
    assistant = services_of(app).content.assistant
    answer = assistant.answer
    if variant & {"once", "free"}:
        memo: dict[tuple[str, str | None], Any] = {}
        compute = answer
        if "free" in variant:
            memo.update(((text, None), compute(text, None)) for text, _ in texts)

        def answer(question: str, lang: str | None = None) -> Any:
            key = (question, lang)
            if key not in memo:
                if "free" not in variant:
                    memo.clear()  # remember only the latest question: one match per update
                memo[key] = compute(question, lang)
            return memo[key]

    if "nobuttons" in variant:
        import bot.telegram.handlers.questions

        setattr(bot.telegram.handlers.questions, "reply_rows", lambda reply, navigation=(): [])  # noqa: B010
    if "nowrite" in variant:
        setattr(ExchangeApplication, "process_update", Application.process_update)  # noqa: B010
    if "noaction" in variant:
        from telegram import Chat

        async def no_action(self: Chat, *args: Any, **kwargs: Any) -> bool:
            return True

        setattr(Chat, "send_action", no_action)  # noqa: B010

    def timed_answer(question: str, lang: str | None = None) -> Any:
        started = time.perf_counter()
        try:
            return answer(question, lang)
        finally:
            bench.answer_seconds += time.perf_counter() - started
            bench.answer_calls += 1

    setattr(assistant, "answer", timed_answer)  # noqa: B010
    return bench


def summary_ms(samples_ns: list[int]) -> dict[str, float]:
    values = sorted(s / 1e6 for s in samples_ns)
    return {
        "mean": sum(values) / len(values),
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
    }


async def measure_one(kind: str, count: int, warmup: int, profile: bool) -> dict[str, Any]:
    """Worker: one bot, in a process of its own (see ``handler_cost``)."""
    texts = questions(count + warmup)
    warm, timed = texts[:warmup], texts[warmup:]
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        variant = frozenset(kind.partition(":")[2].split(",")) - {""}
        bench = await (echo_bench() if kind == "echo" else our_bench(Path(tmp), variant, texts))
        for start in range(0, len(warm), BLOCK):
            await bench.feed(warm[start : start + BLOCK], record=False)
        bench.answer_seconds, bench.answer_calls = 0.0, 0
        gc.collect()
        for start in range(0, len(timed), BLOCK):
            await bench.feed(timed[start : start + BLOCK], record=True)
        result: dict[str, Any] = {
            "samples_ns": bench.samples_ns,
            "cpu_ns": bench.cpu_ns,
            "emulator_seconds": bench.emulator_seconds,
            "methods": dict(bench.methods),
            "answer_seconds": bench.answer_seconds,
            "answer_calls": bench.answer_calls,
            "users": bench.users.created,
            "profile": "",
            "standalone_answer_seconds": 0.0,
        }
        if kind == "ours":
            # assistant.answer alone, outside the application, on the same (warm) questions.
            assistant = services_of(bench.app).content.assistant
            answer = type(assistant).answer
            started = time.perf_counter()
            for text, _ in timed:
                answer(assistant, text, None)
            result["standalone_answer_seconds"] = time.perf_counter() - started
        if profile:
            extra = questions(len(texts) + count)[len(texts) :]
            profiler = cProfile.Profile()
            profiler.enable()
            await bench.feed(extra, record=False)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(60)
            result["profile"] = out.getvalue()
        await bench.app.shutdown()
    return result


def handler_cost(
    count: int, warmup: int, rounds: int, profile: bool, what_if: bool = False
) -> dict[str, Any]:
    """Each bot runs in a fresh worker process (same script, same harness), ``rounds`` times,
    alternating: in one process the echo bot would pay for the garbage collections of our
    larger heap and for our SQLite thread."""
    merged: dict[str, dict[str, Any]] = {}
    others: list[float] = []
    for round_ in range(rounds):
        kinds = ("echo", "ours", *(WHAT_IF if what_if else ()))
        for kind in kinds if round_ % 2 == 0 else kinds[::-1]:
            cpu = str(next(iter(os.sched_getaffinity(0))))
            command = [sys.executable, __file__, "--worker", kind, "--updates", str(count)]
            command += ["--warmup", str(warmup), "--cpu", cpu]
            if profile and kind == "ours" and round_ == 0:
                command.append("--profile")
            result = least_disturbed(command)
            others.append(result["others"])
            if kind not in merged:
                merged[kind] = result
                continue
            total = merged[kind]
            total["samples_ns"] += result["samples_ns"]
            for key in (
                "cpu_ns",
                "emulator_seconds",
                "answer_seconds",
                "answer_calls",
                "standalone_answer_seconds",
            ):
                total[key] += result[key]
            for method, n in result["methods"].items():
                total["methods"][method] = total["methods"].get(method, 0) + n
    return {"count": count * rounds, "rounds": rounds, "others": others, **merged}


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def least_disturbed(
    command: list[str], attempts: int = 3, tolerated: float = 0.03
) -> dict[str, Any]:
    """Runs a worker; if other processes used more than ``tolerated`` of our CPU meanwhile
    (another benchmark on the same core, say), runs it again, keeping the least disturbed."""
    cpu = next(iter(os.sched_getaffinity(0)))
    best: dict[str, Any] | None = None
    for _ in range(attempts):
        busy, ours, wall = cpu_busy_seconds(cpu), children_cpu_seconds(), time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - wall
        other = max(0.0, (cpu_busy_seconds(cpu) - busy) - (children_cpu_seconds() - ours))
        result = json.loads(done.stdout)
        result["others"] = other / wall
        if best is None or result["others"] < best["others"]:
            best = result
        if result["others"] <= tolerated:
            break
    assert best is not None
    return best


def handler_report(result: dict[str, Any]) -> str:
    count = result["count"]
    echo, ours = result["echo"], result["ours"]
    e, o = summary_ms(echo["samples_ns"]), summary_ms(ours["samples_ns"])
    ratio = o["mean"] / e["mean"]

    def emulator_ms(bench: dict[str, Any]) -> float:
        return bench["emulator_seconds"] / count * 1e3

    def cpu_ms(bench: dict[str, Any]) -> float:
        return bench["cpu_ns"] / count / 1e6

    rows = [
        [
            name,
            f"{s['mean']:.3f}",
            f"{s['p50']:.3f}",
            f"{s['p99']:.3f}",
            f"{cpu_ms(bench):.3f}",
            f"{emulator_ms(bench):.3f}",
            f"{s['mean'] - emulator_ms(bench):.3f}",
            f"{sum(bench['methods'].values()) / count:.2f}",
            ", ".join(f"{m} {n / count:g}" for m, n in sorted(bench["methods"].items())),
        ]
        for name, bench, s in (("echo (bare PTB)", echo, e), ("ours (build_application)", ours, o))
    ]
    table = markdown_table(
        [
            "bot",
            "mean ms/update",
            "p50 ms",
            "p99 ms",
            "CPU ms/update",
            "in emulator ms",
            "mean minus emulator ms",
            "Bot API calls/update",
            "calls by method (per update)",
        ],
        rows,
    )
    in_app = ours["answer_seconds"] / count * 1e3
    answer_calls = ours["answer_calls"] / count
    alone = ours["standalone_answer_seconds"] / count * 1e3
    rest = o["mean"] - in_app - emulator_ms(ours)
    echo_rest = e["mean"] - emulator_ms(echo)
    no_answer_ratio = (o["mean"] - in_app) / e["mean"]
    lines = [
        f"{count} timed updates per bot ({result['rounds']} fresh worker processes per bot, "
        f"alternating, each after a warm-up), {ours['users']} simulated "
        f"users per process, at most {MESSAGES_PER_USER} messages each; no rate limiter on "
        "either bot. Other processes' use of the measuring CPU while the workers ran: "
        + ", ".join(f"{x:.1%}" for x in result["others"])
        + " (a worker disturbed by more than 3% is run again, up to 3 times).",
        "",
        table,
        "",
        markdown_table(
            ["figure", "value", "target", "verdict"],
            [
                [
                    "mean ours / mean echo",
                    f"{ratio:.2f}×",
                    f"≤ {TARGET_RATIO}×",
                    "PASS" if ratio <= TARGET_RATIO else "FAIL",
                ],
                ["p50 ours / p50 echo", f"{o['p50'] / e['p50']:.2f}×", "", ""],
                ["CPU time ours / CPU time echo", f"{cpu_ms(ours) / cpu_ms(echo):.2f}×", "", ""],
                ["(mean ours − assistant.answer) / mean echo", f"{no_answer_ratio:.2f}×", "", ""],
            ],
        ),
        "",
        "Breakdown of our mean per update:",
        "",
        markdown_table(
            ["part", "ms/update"],
            [
                [
                    f"assistant.answer inside the app ({answer_calls:.2f} calls per update)",
                    f"{in_app:.3f}",
                ],
                [
                    "assistant.answer alone, one call (same questions, warm, outside the app)",
                    f"{alone:.3f}",
                ],
                [
                    "emulator (Bot API side: harness cost, JSON included)",
                    f"{emulator_ms(ours):.3f}",
                ],
                [
                    "rest: de_json, PTB dispatch, our handlers, persistence, Bot API client",
                    f"{rest:.3f}",
                ],
                ["the same 'rest' for the echo bot", f"{echo_rest:.3f}"],
            ],
        ),
    ]
    return "\n".join(lines)


def what_if_report(result: dict[str, Any]) -> str:
    count = result["count"]
    echo = result["echo"]
    echo_mean = sum(echo["samples_ns"]) / count / 1e6
    echo_cpu = echo["cpu_ns"] / count / 1e6
    rows = []
    for kind in ("ours", *WHAT_IF):
        bench = result[kind]
        mean = sum(bench["samples_ns"]) / count / 1e6
        cpu = bench["cpu_ns"] / count / 1e6
        removed = kind.partition(":")[2].split(",") if ":" in kind else []
        label = "ours as is" if not removed else f"… + {VARIANTS[removed[-1]]}"
        rows.append(
            [
                label,
                f"{mean:.3f}",
                f"{cpu:.3f}",
                f"{bench['emulator_seconds'] / count * 1e3:.3f}",
                f"{sum(bench['methods'].values()) / count:.2f}",
                f"{mean / echo_mean:.2f}×",
                f"{cpu / echo_cpu:.2f}×",
            ]
        )
    rows.append(
        [
            "echo (bare PTB)",
            f"{echo_mean:.3f}",
            f"{echo_cpu:.3f}",
            f"{echo['emulator_seconds'] / count * 1e3:.3f}",
            f"{sum(echo['methods'].values()) / count:.2f}",
            "1.00×",
            "1.00×",
        ]
    )
    return "\n".join(
        [
            "What if (diagnosis: each cost removed by patching the worker process only, cumulative "
            "from top to bottom):",
            "",
            markdown_table(
                [
                    "variant",
                    "mean ms/update",
                    "CPU ms/update",
                    "in emulator ms",
                    "Bot API calls/update",
                    "mean / echo",
                    "CPU / echo",
                ],
                rows,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=2000, help="timed updates per bot")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile our bot's updates")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    parser.add_argument("--rounds", type=int, default=2, help="worker processes per bot")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also time our bot with costs removed one by one (diagnosis; see VARIANTS)",
    )
    args = parser.parse_args()
    if args.worker:
        os.sched_setaffinity(0, {args.cpu})
        result = asyncio.run(measure_one(args.worker, args.updates, args.warmup, args.profile))
        json.dump(result, sys.stdout)
        return
    print(bot_header(args.cpu))
    result = handler_cost(args.updates, args.warmup, args.rounds, args.profile, args.what_if)
    print("## 1. Handler cost (in-process emulator)\n")
    print(handler_report(result) + "\n", flush=True)
    if args.what_if:
        print(what_if_report(result) + "\n", flush=True)
    if result["ours"]["profile"]:
        print("```\n" + result["ours"]["profile"] + "\n```\n")
    print(load())


if __name__ == "__main__":
    main()
