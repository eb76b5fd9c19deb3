"""How long a command takes, and how much of it was spent waiting for a CPU that other work held.

    python benchmarks/bench_test_loop.py -- .venv/bin/python -m pytest -q
    python benchmarks/bench_test_loop.py -- .ci/run

On a shared machine the wall time of the test loop says more about the neighbours than about
the tests. Linux counts, per thread, the time it was runnable but waiting for a CPU
(``/proc/<pid>/task/<tid>/schedstat``, the second field: run delay). This runs the command,
samples every thread of its process tree every 0.2 s, and reports: the wall time, the CPU time
of the tree (user + system), and an estimate of the wall time without competition: the wall
time less, for each sample interval, the largest run delay any thread of the tree accumulated
in it (the command's progress was held up at least that long). An estimate: a thread that
started and ended between two samples is not seen, and work that would have overlapped with a
waiting thread is not credited.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SAMPLE = 0.2  # seconds between samples


def _children(pid: int) -> list[int]:
    """The process ids below ``pid`` (every generation)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                found.append(kid)
                todo.append(kid)
    return found


def _delays(root: int) -> dict[int, int]:
    """Run delay (ns) of every thread of the tree under and including ``root``."""
    delays: dict[int, int] = {}
    for pid in [root, *_children(root)]:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                fields = (task / "schedstat").read_text().split()
            except OSError:
                continue
            delays[int(task.name)] = int(fields[1])
    return delays


def measure(command: list[str]) -> dict[str, float]:
    """Run ``command``; its wall time, CPU time, run delay and estimated uncontended wall time."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    seen: dict[int, int] = {}
    held_up = 0.0
    while process.poll() is None:
        time.sleep(SAMPLE)
        now = _delays(process.pid)
        grown = [delay - seen.get(tid, 0) for tid, delay in now.items()]
        held_up += max(grown, default=0) / 1e9
        seen.update(now)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "exit code": float(process.returncode),
        "wall s": wall,
        "cpu s": usage.ru_utime + usage.ru_stime,
        "held up waiting for a CPU s": held_up,
        "estimated uncontended wall s": wall - held_up,
    }


def main() -> int:
    """Measure the command after ``--`` and print the figures."""
    if "--" not in sys.argv:
        print(__doc__)
        return 2
    command = sys.argv[sys.argv.index("--") + 1 :]
    load = os.getloadavg()
    figures = measure(command)
    print(f"\n{' '.join(command)}  (load average at start {load[0]:.1f}, {load[1]:.1f})")
    for name, value in figures.items():
        print(f"  {name:32} {value:8.1f}")
    return int(figures["exit code"])


if __name__ == "__main__":
    sys.exit(main())
