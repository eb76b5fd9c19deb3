"""The inbox's cost per update (issue 10): what committing an update before confirming it,
and marking it done after handling, adds to each update.

    .venv/bin/python benchmarks/bench_inbox.py [--updates 3000] [--batch 1 10 100] [--dir DIR]

A fresh database in ``--dir`` (default: a temporary directory on the same disk as the bot's
data) is opened as the bot opens it (WAL, ``synchronous=FULL``). Realistic text-message
updates (about 400 bytes of JSON) are added with ``inbox_add`` in batches of ``--batch`` (one
batch = one ``getUpdates`` answer, committed with an fsync), then each is marked done with
``inbox_done`` in its own transaction, as the bot does after every update, with a question
logged for one update in two. Figures: wall time per update for each part and in all, and the
p50/p99 of one done mark.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import common

from bot.storage import Storage


def update(n: int) -> dict[str, object]:
    user = 100_000 + n % 200
    sender = {
        "id": user,
        "is_bot": False,
        "first_name": f"Student {n % 200}",
        "language_code": "fr",
    }
    return {
        "update_id": 1_000 + n,
        "message": {
            "message_id": n,
            "date": 1_790_000_000 + n,
            "chat": {"id": user, "type": "private", "first_name": sender["first_name"]},
            "from": sender,
            "text": f"Bonjour, combien coûte le séjour de recherche à Chongqing ? ({n})",
        },
    }


async def measure(directory: Path, count: int, batch: int) -> dict[str, float]:
    path = directory / f"inbox-{batch}.sqlite3"
    storage = await Storage.open(path)
    updates = [update(n) for n in range(count)]
    try:
        started = time.perf_counter()
        for first in range(0, count, batch):
            await storage.inbox_add(updates[first : first + batch])
        added = time.perf_counter() - started
        marks: list[float] = []
        started = time.perf_counter()
        for n, item in enumerate(updates):
            if n % 2:
                await storage.log_question(
                    int(item["message"]["from"]["id"]),  # type: ignore[index]
                    "fr", "combien coûte le séjour ?", "fees", 0.9,
                    update_id=int(item["update_id"]),  # type: ignore[call-overload]
                )  # fmt: skip
            t0 = time.perf_counter()
            await storage.inbox_done([int(item["update_id"])])  # type: ignore[call-overload]
            marks.append((time.perf_counter() - t0) * 1000)
        done = time.perf_counter() - started
        counts = "SELECT COUNT(*) - COUNT(done_at), COUNT(done_at) FROM inbox"
        assert await storage.database.fetchall(counts) == [(0, count)]
    finally:
        await storage.close()
    marks.sort()
    return {
        "add": added / count * 1000,
        "done": done / count * 1000,
        "p50": common.percentile(marks, 50),
        "p99": common.percentile(marks, 99),
    }


async def run(args: argparse.Namespace) -> None:
    directory = Path(args.dir or tempfile.mkdtemp(prefix="bench-inbox-"))
    rows = []
    for batch in args.batch:
        figures = await measure(directory, args.updates, batch)
        rows.append(
            (
                batch,
                f"{figures['add']:.3f}",
                f"{figures['done']:.3f}",
                f"{figures['add'] + figures['done']:.3f}",
                f"{figures['p50']:.3f} / {figures['p99']:.3f}",
            )
        )
    print(f"machine: {common.machine()}; {common.load()}")
    print(f"command: .venv/bin/python benchmarks/bench_inbox.py --updates {args.updates} "
          f"--batch {' '.join(map(str, args.batch))}; database in {directory}")  # fmt: skip
    print(
        common.markdown_table(
            (
                "updates per getUpdates",
                "add ms/update",
                "done ms/update",
                "total ms/update",
                "one done mark p50 / p99 ms",
            ),
            rows,
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--dir")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
