"""Shared helpers of the benchmark scripts: questions, core pinning, caches, statistics, tables,
and the Telegram bot's (simulated students, ``python -m bot run`` against a served emulator).

The scripts are plain Python (no pytest), run from the repository root, e.g.
``.venv/bin/python benchmarks/bench_matching.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
if str(REPOSITORY) not in sys.path:  # the scripts are run by path, not as a package
    sys.path.insert(0, str(REPOSITORY))

from bot.understanding.evaluation import load_cases  # noqa: E402
from telegram_emulator import BotAPIEmulator, EmulatorServer, SimUser  # noqa: E402
from tests.auxil import harness  # noqa: E402
from tests.auxil.harness import BotProcess, FirstCalls  # noqa: E402

KNOWLEDGE = REPOSITORY / "knowledge"
CONVERSATIONS = REPOSITORY / "conversations"
EVAL_SETS = tuple(REPOSITORY / "tests" / "eval" / name for name in ("dev.yaml", "holdout.yaml"))
HOLDOUT = EVAL_SETS[1]
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


def eval_questions() -> list[tuple[str, str]]:
    """Every question of both evaluation sets with its language, in file order.

    The questions are only fed to the bot; they are never printed (the held-out set must stay
    unread by whoever tunes the matcher).
    """
    return [(case.question, case.lang) for path in EVAL_SETS for case in load_cases(path)]


def pin_to_one_core(enabled: bool = True, cpu: int = 0) -> str:
    """Pin this process (and the processes it starts) to one CPU, 0 unless told otherwise
    (choose an idle one when another job already runs on CPU 0); say what was done."""
    if not enabled:
        return "not pinned"
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def clear_caches(*owners: object) -> int:
    """Empty every ``functools.lru_cache`` found on the given modules or objects, so that a
    measuring round does not reuse the work of the previous one. Returns how many."""
    cleared = 0
    for owner in owners:
        namespace = vars(owner) if isinstance(owner, ModuleType) else getattr(owner, "__dict__", {})
        for value in list(namespace.values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
                cleared += 1
    return cleared


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in (0, 100])."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(samples_ms: Iterable[float]) -> dict[str, float]:
    """p50, p95, p99, max and mean of latencies in milliseconds."""
    values = sorted(samples_ms)
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": values[-1],
        "mean": sum(values) / len(values),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line describing where the figures were measured (call before pinning)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cores} cores ({cpu_model()}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def code_version() -> str:
    """The commit measured and whether the answering core had uncommitted changes (read-only
    git commands; "unknown" outside a git checkout)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot", "knowledge"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "code: unknown"
    core_files = ("bot/understanding/", "knowledge/")
    core = sorted(line[3:] for line in changed if line[3:].startswith(core_files))
    return f"code: {head}" + (f" + uncommitted changes to {', '.join(core)}" if core else "")


def load() -> str:
    """The load average, to judge how much other processes disturbed the figures."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the Telegram bot's


def questions(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` distinct (text, language) pairs built from the held-out questions, each with
    an opening and a closing in its language (fed to the bot, never printed)."""
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


def cpu_busy_seconds(cpu: int) -> float:
    """Busy time of one CPU since boot, all processes (from /proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
            return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    return 0.0


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon and RssFile of a process, in kB (from /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0])
    return fields


class ProcessRun:
    """One ``python -m bot run`` (``tests.auxil.harness.BotProcess``, production settings whatever
    this shell's ``BOT_*``/``TELEGRAM_*`` say) in ``root / name``, polling a fresh
    ``EmulatorServer`` served by this process (so the server shares the bot's core).

    The targets are for a warm cache: each run starts with a copy of the matcher's cache
    (KB embeddings, ready model) of the first run under ``root``. A copy, not the links the
    tests use: the bot maps its 65 MB embedding table, and with a link to the table the first
    run had just written the bot showed 39 MB more RssFile after 60 questions (likely that
    file's pages being in the page cache), where the copies give the figures measured before."""

    def __init__(self, root: Path, name: str, *, prebuilt: Path | None = None) -> None:
        """``prebuilt``: no warm copy; the data dir starts empty and the bot links the cache
        of ``prebuilt`` (``BOT_PREBUILT_CACHE_DIR``), as a container from the image does."""
        self.data_dir = root / name
        self.prebuilt = prebuilt
        self.warm_cache = root / "warm-cache"
        self.emulator = BotAPIEmulator()
        self.server = EmulatorServer(self.emulator)
        self.bot: BotProcess | None = None
        self.calls: FirstCalls | None = None
        self.disturbance = 0.0  # other processes' share of our CPU during the start-up
        self.cpu_to_poll = 0.0  # CPU seconds the bot process used up to its first poll

    @property
    def pid(self) -> int:
        assert self.bot is not None and self.bot.process is not None
        return self.bot.process.pid

    async def start(self) -> FirstCalls:
        """Spawn the bot and wait for its first ``getUpdates``; measures the disturbance."""
        base_url = await self.server.start()
        env = {}
        if self.prebuilt is not None:
            env["BOT_PREBUILT_CACHE_DIR"] = str(self.prebuilt)
            # The tests' sharing of the first bot's cache would fill the data dir first.
            harness._WARM_CACHE[:] = [self.data_dir / "cache"]
        elif self.warm_cache.is_dir() and not (self.data_dir / "cache").exists():
            shutil.copytree(self.warm_cache, self.data_dir / "cache")
        self.bot = BotProcess(base_url, self.data_dir, self.emulator.token, clean=True, **env)
        cpu = next(iter(os.sched_getaffinity(0)))
        busy, own = cpu_busy_seconds(cpu), time.process_time()
        try:
            self.calls = await self.bot.start_and_wait_for_poll(self.emulator, timeout=30)
        except RuntimeError as error:
            raise SystemExit(str(error)) from None
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        child = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        self.cpu_to_poll = child
        other = (cpu_busy_seconds(cpu) - busy) - (time.process_time() - own) - child
        self.disturbance = max(0.0, other) / (time.perf_counter() - self.calls.spawned)
        return self.calls

    async def stop(self) -> tuple[int | None, float]:
        """SIGTERM: the exit code (None if it had to be killed) and the seconds to exit."""
        assert self.bot is not None
        started = time.perf_counter()
        code = await self.bot.stop(timeout=20)
        elapsed = time.perf_counter() - started
        await self.server.stop()
        await self.emulator.aclose()
        if (
            self.prebuilt is None
            and (self.data_dir / "cache").is_dir()
            and not self.warm_cache.exists()
        ):
            shutil.copytree(self.data_dir / "cache", self.warm_cache)
        return code, elapsed


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


def bot_header(cpu: int) -> str:
    """The heading of the Telegram bot's reports: machine, pinning (done here), load, code."""
    where = machine()
    return (
        f"# Telegram bot benchmarks\n\n{where}; {pin_to_one_core(cpu=cpu)}; {load()}\n\n"
        f"{tree_state()}\n"
    )


def below(figure: str, value: float, target: float, shown: str, shown_target: str) -> list[str]:
    """A row of a figure / value / target / verdict table: PASS when ``value < target``."""
    return [figure, shown, f"< {shown_target}", "PASS" if value < target else "FAIL"]


def print_bot_figure(
    cpu: int,
    section: str,
    measure: Callable[[Path], Coroutine[Any, Any, dict[str, Any]]],
    report: Callable[[dict[str, Any]], str],
) -> None:
    """Print the heading (pinning to ``cpu``), then ``section`` and the report of what
    ``measure`` found in a temporary directory, then the load average."""
    print(bot_header(cpu))
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        result = asyncio.run(measure(Path(tmp)))
    print(f"## {section}\n")
    print(report(result) + "\n", flush=True)
    print(load())
