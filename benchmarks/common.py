"""Shared helpers of the benchmark scripts: questions, core pinning, caches, statistics, tables.

The scripts are plain Python (no pytest), run from the repository root, e.g.
``.venv/bin/python benchmarks/bench_matching.py``.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

REPOSITORY = Path(__file__).resolve().parent.parent
if str(REPOSITORY) not in sys.path:  # the scripts are run by path, not as a package
    sys.path.insert(0, str(REPOSITORY))

from bot.understanding.evaluation import load_cases  # noqa: E402

KNOWLEDGE = REPOSITORY / "knowledge"
CONVERSATIONS = REPOSITORY / "conversations"
EVAL_SETS = tuple(REPOSITORY / "tests" / "eval" / name for name in ("dev.yaml", "holdout.yaml"))


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
