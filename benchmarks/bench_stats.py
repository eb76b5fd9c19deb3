"""What the statistics cost: start-up and memory without a chart, the first and later charts,
and computing the figures over a large question log.

    .venv/bin/python benchmarks/bench_stats.py [--runs 5] [--questions 20000]

Every measurement runs in a fresh interpreter (``python -c``), so imports are not shared
between them; medians of ``--runs`` runs are printed. Memory is the process's resident set
(VmRSS) and its peak (VmHWM) from /proc.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

from common import REPOSITORY, load, machine, markdown_table

PRELUDE = """
import json, time, sys
def memory():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}
"""

START = (
    PRELUDE
    + """
t0 = time.perf_counter()
from dataclasses import replace
from pathlib import Path
from bot.settings import Settings
from bot.telegram.application import build_application
app = build_application(replace(Settings(), data_dir=Path(sys.argv[1])))
built = time.perf_counter() - t0
result = {"build": built, "matplotlib": "matplotlib" in sys.modules, **memory()}
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
from bot.reports import charts, stats
from bot.telegram.context import services_of
texts = services_of(app).content.texts
figures = stats.compute([], [], 30, datetime.now(UTC), ZoneInfo("Asia/Shanghai"))
t0 = time.perf_counter()
charts.draw(figures, stats.chart_labels(texts, "en"))
result["first_chart"] = time.perf_counter() - t0
t0 = time.perf_counter()
charts.draw(figures, stats.chart_labels(texts, "en"))
result["next_chart"] = time.perf_counter() - t0
result.update({f"chart_{k}": v for k, v in memory().items()})
print(json.dumps(result))
"""
)

IMPORT_ONLY = (
    PRELUDE
    + """
before = memory()
t0 = time.perf_counter()
import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.dates import DateFormatter
elapsed = time.perf_counter() - t0
after = memory()
print(json.dumps({"import": elapsed, "rss_added": after["VmRSS"] - before["VmRSS"]}))
"""
)

COMPUTE = (
    PRELUDE
    + """
import asyncio, random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo
from bot.reports import stats
from bot.storage import Lead, Storage

async def main(path, questions):
    storage = await Storage.open(path, question_buffer_size=1000)
    now = datetime.now(UTC)
    rng = random.Random(1)
    kinds = ["answer"] * 6 + ["suggest", "fallback", "handoff"]
    for i in range(questions):
        kind = rng.choice(kinds)
        intent = {"answer": "fees", "handoff": "handoff"}.get(kind)
        await storage.log_question(i % 500, "en", f"question {i}", intent, 0.5, kind=kind)
    for user in range(500):
        await storage.upsert_lead(Lead(user_id=user, name="N", email="n@example.org",
                                       language="en", consent_at=now))
    await storage.questions.flush()
    t0 = time.perf_counter()
    await stats.collect(storage, 30, now, ZoneInfo("Asia/Shanghai"))
    elapsed = time.perf_counter() - t0
    await storage.close()
    return elapsed

print(json.dumps({"collect": asyncio.run(main(sys.argv[1] + "/b.sqlite3", int(sys.argv[2])))}))
"""
)


def run(code: str, *args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        check=True,
    )
    return dict(json.loads(result.stdout))


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(float(row[key]) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine: {machine()}; {load()}")
    starts, imports, computes = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as data:
            starts.append(run(START, data))
        imports.append(run(IMPORT_ONLY))
    with tempfile.TemporaryDirectory() as data:
        computes.append(run(COMPUTE, data, str(args.questions)))
    assert not any(row["matplotlib"] for row in starts), "matplotlib imported at start"
    rows = [
        ("build_application (imports included)", f"{median(starts, 'build'):.2f} s"),
        ("matplotlib imported by the start", "no"),
        ("resident memory after start (VmRSS)", f"{median(starts, 'VmRSS'):.1f} MB"),
        ("import of matplotlib + Agg (alone)", f"{median(imports, 'import'):.2f} s"),
        ("memory it adds (VmRSS)", f"{median(imports, 'rss_added'):.1f} MB"),
        ("first chart (import included)", f"{median(starts, 'first_chart'):.2f} s"),
        ("next chart", f"{median(starts, 'next_chart') * 1000:.0f} ms"),
        ("resident memory after a chart (VmRSS)", f"{median(starts, 'chart_VmRSS'):.1f} MB"),
        (
            f"figures over {args.questions:,} logged questions (30 days)",
            f"{median(computes, 'collect') * 1000:.0f} ms",
        ),
    ]
    print(markdown_table(("figure", f"median of {args.runs} runs"), rows))
    print(f"after the runs: {load()}")


if __name__ == "__main__":
    main()
