"""The Telegram bot's acceptance figures (issue 3): handler cost against a bare
python-telegram-bot echo bot, start-up to the first poll, and resident memory.

    .venv/bin/python benchmarks/bench_bot.py [--updates 2000] [--rounds 2] [--what-if]
        [--startup-runs 5] [--memory-questions 1000] [--only handler|startup|memory] [--cpu 0]

1. Handler cost. Both bots are ``Application`` objects over the same in-process transport
   (``EmulatorRequest`` on a ``BotAPIEmulator``), with no rate limiter: the in-process harness
   has no network and no Telegram to protect, and the limiter would only add its own waits.
   The echo bot is PTB's minimal bot (one ``MessageHandler`` replying the text back); ours is
   ``build_application(...)`` as in production, SQLite persistence included. Each bot is fed
   the same distinct text messages (questions of ``tests/eval/holdout.yaml`` with an opening
   and a closing in their language; never printed) from many simulated users, at most 6 each,
   so that the per-user flood guard (12 messages per 10 s) never triggers. Each update is
   timed (wall clock) from ``Update.de_json`` to the end of ``await app.process_update(...)``
   (for ours this includes the write-through ``update_persistence``); the CPU time of the
   whole process over the same updates is reported too, as it is not inflated when another
   process shares the core. Each bot runs in fresh worker processes of this script (a shared
   process would make the echo bot pay for our heap's garbage collections and our SQLite
   thread), ``--rounds`` times, alternating, each after a warm-up of 200 updates. A worker
   during which other processes took more than 3% of the CPU is run again (up to 3 times).
   ``--what-if`` also times our bot with its costs removed one by one, by patching the worker
   process only (see ``VARIANTS``): a diagnosis, not a measurement of the product.
2. Start-up: ``python -m bot run`` as a subprocess polling an ``EmulatorServer`` (HTTP on
   127.0.0.1, served by this process), from just before the process is spawned to the first
   ``getUpdates`` the server receives; then SIGTERM, exit code and shutdown time. Each run
   uses a fresh data directory (the database is created). A first run is not counted (cold
   file cache); a run disturbed by other processes (> 5% of the CPU) is repeated.
3. Memory: VmRSS/VmHWM of that process after start-up, and after answering questions sent
   through the server by simulated users (production configuration, rate limiter included).

This process and its children are pinned to one CPU (``--cpu``, default 0); the emulator
server shares that core with the bot process.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import REPOSITORY, load, machine, markdown_table, percentile
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot.settings import Settings
from bot.telegram.application import ExchangeApplication, build_application
from bot.understanding.evaluation import load_cases
from telegram_emulator import BotAPIEmulator, EmulatorRequest, SimUser
from telegram_emulator.server import EmulatorServer

HOLDOUT = REPOSITORY / "tests" / "eval" / "holdout.yaml"
TARGET_RATIO = 1.5
TARGET_STARTUP_S = 2.0
TARGET_RSS_MB = 200.0  # issue 9 (the sentence encoder; was 150 MB)
BLOCK = 100
MESSAGES_PER_USER = 6  # well under the flood guard's 12 per 10 s
OPENINGS = {
    "en": ["", "hi, ", "quick question: ", "sorry, ", "hello! "],
    "zh": ["", "你好，", "请问", "老师好，", "您好，"],
    "fr": ["", "bonjour, ", "petite question : ", "excusez-moi, ", "salut, "],
}
CLOSINGS = {
    "en": ["", " thanks", " please"],
    "zh": ["", "谢谢", "，谢谢！"],
    "fr": ["", " merci", " svp"],
}


# --------------------------------------------------------------------------- questions


def questions(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` distinct (text, language) pairs built from the held-out questions."""
    pool = [
        (opening + case.question.replace("\n", " ") + closing, case.lang)
        for case in load_cases(HOLDOUT)
        for opening in OPENINGS[case.lang]
        for closing in CLOSINGS[case.lang]
    ]
    random.Random(seed).shuffle(pool)
    unique = list(dict.fromkeys(pool))
    if len(unique) < count:
        raise SystemExit(f"only {len(unique)} distinct questions available, not {count}")
    return unique[:count]


class Users:
    """Simulated students by language, each used at most ``MESSAGES_PER_USER`` times."""

    def __init__(self, emulator: BotAPIEmulator, first_id: int) -> None:
        self.emulator, self.next_id = emulator, first_id
        self.current: dict[str, tuple[SimUser, int]] = {}

    def pick(self, lang: str) -> SimUser:
        user, used = self.current.get(lang, (None, MESSAGES_PER_USER))
        if user is None or used >= MESSAGES_PER_USER:
            user, used = self.emulator.add_user(self.next_id, "Ana", lang), 0
            self.next_id += 1
        self.current[lang] = (user, used + 1)
        return user

    @property
    def created(self) -> int:
        return len(self.emulator.users)


# --------------------------------------------------------------------------- 1. handler cost


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
    assistant = app.services.assistant
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
            assistant = bench.app.services.assistant  # type: ignore[attr-defined]
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


def cpu_busy_seconds(cpu: int) -> float:
    """Busy time of one CPU since boot, all processes (from /proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
            return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    return 0.0


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


# --------------------------------------------------------------------------- 2./3. process


class WatchedEmulator(BotAPIEmulator):
    """Notes when the first request and the first getUpdates arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.first_request: float | None = None
        self.first_poll: float | None = None
        self.polled = asyncio.Event()

    async def call(self, method: str, params: Any = None, *, token: str | None = None) -> Any:
        now = time.perf_counter()
        if self.first_request is None:
            self.first_request = now
        if method.lower() == "getupdates" and self.first_poll is None:
            self.first_poll = now
            self.polled.set()
        return await super().call(method, params, token=token)


def bot_env(base_url: str, token: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=base_url,
        BOT_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def status_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0])
    return fields


async def wait_exit(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Waits while the event loop keeps serving (the server must answer the aborted poll)."""
    deadline = time.perf_counter() + timeout
    while process.poll() is None and time.perf_counter() < deadline:
        await asyncio.sleep(0.002)
    return process.poll()


class Run:
    """One ``python -m bot run`` against a fresh emulator server."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.emulator = WatchedEmulator()
        self.server = EmulatorServer(self.emulator)
        self.process: subprocess.Popen[bytes] | None = None
        self.spawned = 0.0
        self.disturbance = 0.0  # other processes' share of our CPU during the start-up

    async def start(self) -> None:
        base_url = await self.server.start()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "bot.log").open("ab")
        cpu = next(iter(os.sched_getaffinity(0)))
        busy, own = cpu_busy_seconds(cpu), time.process_time()
        self.spawned = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPOSITORY,
            env=bot_env(base_url, self.emulator.token, self.data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            await asyncio.wait_for(self.emulator.polled.wait(), timeout=30)
        except TimeoutError:
            self.process.kill()
            raise SystemExit(
                f"no getUpdates within 30 s; see {self.data_dir / 'bot.log'}"
            ) from None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        child = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        other = (cpu_busy_seconds(cpu) - busy) - (time.process_time() - own) - child
        self.disturbance = max(0.0, other) / (time.perf_counter() - self.spawned)

    async def stop(self) -> tuple[int | None, float]:
        assert self.process is not None
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        code = await wait_exit(self.process, 20)
        elapsed = time.perf_counter() - started
        if code is None:
            self.process.kill()
            self.process.wait()
        await self.server.stop()
        await self.emulator.aclose()
        return code, elapsed


async def startup(runs: int, root: Path) -> dict[str, Any]:
    """Each run (the first one unmeasured) is repeated, up to 3 times, if other processes took
    more than 5% of the CPU meanwhile; the least disturbed attempt is kept."""
    records = []
    for number in range(runs + 1):
        best = None
        for attempt in range(3):
            run = Run(root / f"startup-{number}-{attempt}")
            warm_cache(run.data_dir, root)
            await run.start()
            assert run.emulator.first_poll is not None and run.emulator.first_request is not None
            to_poll = run.emulator.first_poll - run.spawned
            to_request = run.emulator.first_request - run.spawned
            await run.emulator.wait_idle(quiet=0.2, timeout=10)
            code, shutdown = await run.stop()
            keep_cache(run.data_dir, root)
            record = (to_request, to_poll, code, shutdown, run.disturbance)
            if best is None or record[4] < best[4]:
                best = record
            if record[4] <= 0.05:
                break
        records.append(best)
    return {"warm_up": records[0], "runs": records[1:]}


def startup_report(result: dict[str, Any]) -> str:
    runs = result["runs"]
    polls = [r[1] for r in runs]
    no_pyc = os.environ.get("PYTHONDONTWRITEBYTECODE")
    note = (
        f"PYTHONDONTWRITEBYTECODE={no_pyc} in this environment: modules without a byte-code "
        "cache (the bot's own) are compiled at every start."
        if no_pyc
        else "Byte-code caches are written as usual."
    )
    median, worst = statistics.median(polls), max(polls)
    rows = [
        [str(i + 1), f"{r[0]:.3f}", f"{r[1]:.3f}", str(r[2]), f"{r[3]:.3f}", f"{r[4]:.0%}"]
        for i, r in enumerate(runs)
    ]
    w = result["warm_up"]
    rows.append(
        [
            "(first, not counted)",
            f"{w[0]:.3f}",
            f"{w[1]:.3f}",
            str(w[2]),
            f"{w[3]:.3f}",
            f"{w[4]:.0%}",
        ]
    )
    return "\n".join(
        [
            note,
            "",
            markdown_table(
                [
                    "run",
                    "spawn → first request (getMe) s",
                    "spawn → first getUpdates s",
                    "exit code after SIGTERM",
                    "SIGTERM → exit s",
                    "CPU taken by others",
                ],
                rows,
            ),
            "",
            markdown_table(
                ["figure", "value", "target", "verdict"],
                [
                    [
                        "start-up to first poll, median",
                        f"{median:.3f} s",
                        f"< {TARGET_STARTUP_S} s",
                        "PASS" if median < TARGET_STARTUP_S else "FAIL",
                    ],
                    [
                        "start-up to first poll, max",
                        f"{worst:.3f} s",
                        f"< {TARGET_STARTUP_S} s",
                        "PASS" if worst < TARGET_STARTUP_S else "FAIL",
                    ],
                ],
            ),
        ]
    )


def warm_cache(data_dir: Path, root: Path) -> None:
    """Start with the matcher's cache of an earlier run (KB embeddings, ready model): the
    targets are for a warm cache; the first, unmeasured run fills it."""
    if (root / "warm-cache").is_dir() and not (data_dir / "cache").exists():
        shutil.copytree(root / "warm-cache", data_dir / "cache")


def keep_cache(data_dir: Path, root: Path) -> None:
    if (data_dir / "cache").is_dir() and not (root / "warm-cache").exists():
        shutil.copytree(data_dir / "cache", root / "warm-cache")


async def memory(count: int, root: Path) -> dict[str, Any]:
    run = Run(root / "memory")
    warm_cache(run.data_dir, root)
    await run.start()
    assert run.process is not None
    await run.emulator.wait_idle(quiet=0.5, timeout=10)
    after_start = status_kb(run.process.pid)
    users = Users(run.emulator, 50_000)
    started = time.perf_counter()
    sent = 0
    for text, lang in questions(count, seed=1):
        users.pick(lang).send(text)
        sent += 1
    await run.emulator.wait_idle(quiet=1.0, timeout=count * 0.5 + 30)
    elapsed = time.perf_counter() - started - 1.0  # minus the quiet second of wait_idle
    after_questions = status_kb(run.process.pid)
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
                    [
                        "peak resident memory (VmHWM)",
                        f"{hwm:.1f} MB",
                        f"< {TARGET_RSS_MB:.0f} MB",
                        "PASS" if hwm < TARGET_RSS_MB else "FAIL",
                    ]
                ],
            ),
        ]
    )


# --------------------------------------------------------------------------- main


def tree_state() -> str:
    """Which code was measured: the commit, the uncommitted files, and a hash of the sources
    (read-only git commands: the tree is shared)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.rstrip()

    digest = hashlib.sha256()
    for folder in ("bot", "conversations", "knowledge"):
        for path in sorted((REPOSITORY / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPOSITORY)).encode() + path.read_bytes())
    changed = [
        line[3:]
        for line in git(
            "status", "--porcelain", "--", "bot", "conversations", "knowledge"
        ).splitlines()
    ]
    return (
        f"Code: commit {git('rev-parse', '--short', 'HEAD') or '?'}"
        + (f" plus uncommitted changes to {', '.join(changed)}" if changed else "")
        + f"; sha256 of bot/, conversations/, knowledge/: {digest.hexdigest()[:12]}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=2000, help="timed updates per bot")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--memory-questions", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="cProfile our bot's updates")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    parser.add_argument("--rounds", type=int, default=2, help="worker processes per bot")
    parser.add_argument("--only", choices=["handler", "startup", "memory"], action="append")
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
    where = machine()
    os.sched_setaffinity(0, {args.cpu})
    pinning = f"pinned to CPU {args.cpu}"
    parts = set(args.only or ["handler", "startup", "memory"])
    print(f"# Telegram bot benchmarks\n\n{where}; {pinning}; {load()}\n\n{tree_state()}\n")

    async def everything() -> None:
        if "handler" in parts:
            result = handler_cost(
                args.updates, args.warmup, args.rounds, args.profile, args.what_if
            )
            print("## 1. Handler cost (in-process emulator)\n")
            print(handler_report(result) + "\n", flush=True)
            if args.what_if:
                print(what_if_report(result) + "\n", flush=True)
            if result["ours"]["profile"]:
                print("```\n" + result["ours"]["profile"] + "\n```\n")
        with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
            if "startup" in parts:
                print("## 2. Start-up to first poll (`python -m bot run`)\n")
                print(
                    startup_report(await startup(args.startup_runs, Path(tmp))) + "\n", flush=True
                )
            if "memory" in parts:
                print("## 3. Resident memory of `python -m bot run`\n")
                print(
                    memory_report(await memory(args.memory_questions, Path(tmp))) + "\n", flush=True
                )

    asyncio.run(everything())
    print(load())


if __name__ == "__main__":
    main()
