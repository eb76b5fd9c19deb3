"""Start-up time of the Telegram bot (issue 3): ``python -m bot run`` to its first poll.

    .venv/bin/python benchmarks/bench_startup.py [--startup-runs 5] [--cpu 0] [--prebuilt DIR]

``python -m bot run`` (``tests.auxil.harness.BotProcess``) as a subprocess polling an
``EmulatorServer`` (HTTP on 127.0.0.1, served by this process), from just before the process
is spawned to the first ``getUpdates`` the server receives; then SIGTERM, exit code and
shutdown time. Each run uses a fresh data directory (the database is created) with the
matcher's cache of the first run (KB embeddings, ready model: the target is for a warm cache).
That first run is not counted (cold caches); a run disturbed by other processes (> 5% of the
CPU) is repeated, up to 3 times, keeping the least disturbed attempt.

``--prebuilt DIR`` (a cache built by ``python -m bot prepare DIR``, as the Dockerfile does):
every run starts with an empty data directory and ``BOT_PREBUILT_CACHE_DIR=DIR``, as a
container from the image with an empty volume (the first run is then as warm as the others).

This process and the bot are pinned to one CPU (``--cpu``, default 0); the emulator server
shares that core with the bot process.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path
from typing import Any

from common import ProcessRun, below, markdown_table, print_bot_figure

TARGET_STARTUP_S = 2.0


async def startup(runs: int, root: Path, prebuilt: Path | None = None) -> dict[str, Any]:
    """Each run (the first one unmeasured) is repeated, up to 3 times, if other processes took
    more than 5% of the CPU meanwhile; the least disturbed attempt is kept."""
    records = []
    for number in range(runs + 1):
        best = None
        for attempt in range(3):
            run = ProcessRun(root, f"startup-{number}-{attempt}", prebuilt=prebuilt)
            calls = await run.start()
            assert calls.poll is not None and calls.request is not None
            to_poll = calls.poll - calls.spawned
            to_request = calls.request - calls.spawned
            await run.emulator.wait_idle(quiet=0.2, timeout=10)
            code, shutdown = await run.stop()
            record = (to_request, to_poll, code, shutdown, run.disturbance, run.cpu_to_poll)
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
        [
            str(i + 1),
            f"{r[0]:.3f}",
            f"{r[1]:.3f}",
            f"{r[5]:.2f}",
            str(r[2]),
            f"{r[3]:.3f}",
            f"{r[4]:.0%}",
        ]
        for i, r in enumerate(runs)
    ]
    w = result["warm_up"]
    rows.append(
        [
            "(first, not counted)",
            f"{w[0]:.3f}",
            f"{w[1]:.3f}",
            f"{w[5]:.2f}",
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
                    "bot's CPU s to first poll",
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
                    below(
                        "start-up to first poll, median",
                        median,
                        TARGET_STARTUP_S,
                        f"{median:.3f} s",
                        f"{TARGET_STARTUP_S} s",
                    ),
                    below(
                        "start-up to first poll, max",
                        worst,
                        TARGET_STARTUP_S,
                        f"{worst:.3f} s",
                        f"{TARGET_STARTUP_S} s",
                    ),
                    [
                        "the bot's CPU time to first poll, median (not inflated by others)",
                        f"{statistics.median(r[5] for r in runs):.2f} s",
                        "",
                        "",
                    ],
                ],
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (default 0)")
    parser.add_argument("--prebuilt", type=Path, help="an image-like prebuilt cache")
    args = parser.parse_args()
    prebuilt = args.prebuilt.resolve() if args.prebuilt else None
    print_bot_figure(
        args.cpu,
        "2. Start-up to first poll (`python -m bot run`)"
        + (f", empty data dir, BOT_PREBUILT_CACHE_DIR={prebuilt}" if prebuilt else ""),
        lambda root: startup(args.startup_runs, root, prebuilt),
        startup_report,
    )


if __name__ == "__main__":
    main()
