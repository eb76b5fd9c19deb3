"""Coordinators' reports on many leads: the digest's query and text, the .xlsx and CSV exports.

    python benchmarks/bench_exports.py [--leads 5000] [--runs 5]

Leads are synthetic (names in three scripts, one to three areas each) in a fresh database.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.reports.digest import render_digest
from bot.reports.export import Exporter
from bot.settings import REPOSITORY
from bot.storage import Lead, Storage
from bot.understanding.answers import Assistant

NAMES = ("Ana Lopez", "张伟", "Élodie Hervé-Laß", "Nguyễn Thị Minh", "Kwame Mensah")


def timed(runs: int, work: object) -> tuple[float, float]:
    """Median and max seconds of ``work()`` over ``runs`` runs."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), max(samples)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    items = sorted(assistant.kb.items)
    zone = ZoneInfo("Asia/Shanghai")
    with tempfile.TemporaryDirectory() as directory:
        storage = await Storage.open(Path(directory) / "bot.sqlite3", synchronous="NORMAL")
        for n in range(args.leads):
            await storage.upsert_lead(
                Lead(
                    user_id=n + 1,
                    name=f"{NAMES[n % len(NAMES)]} {n}",
                    email=f"student{n}@example.org",
                    university="Université de Strasbourg",
                    country="France",
                    level=("phd", "masters", "visiting_scholar")[n % 3],
                    interests=tuple(items[(n + k) % len(items)] for k in range(1 + n % 3)),
                    duration="3_months",
                    start_month="2027-03",
                    message="Je souhaite rejoindre un laboratoire.",
                    language=("en", "zh", "fr")[n % 3],
                    consent_at=datetime.now(UTC),
                )
            )
        leads = await storage.list_leads()
        query = []
        for _ in range(args.runs):
            start = time.perf_counter()
            data = await storage.digest_data(None)
            query.append(time.perf_counter() - start)
        await storage.close()

    def digest() -> None:
        render_digest(data, kb=assistant.kb, texts=assistant.texts, lang="en", zone=zone)

    exporter = Exporter(assistant.kb, assistant.texts, "en", zone)
    parts = render_digest(data, kb=assistant.kb, texts=assistant.texts, lang="en", zone=zone)
    xlsx, csv = exporter.xlsx(leads), exporter.csv(leads)
    print(f"{len(leads)} leads, {args.runs} runs each; median / max seconds")
    print(f"digest query (leads + questions): {statistics.median(query):.3f} / {max(query):.3f}")
    print(f"digest text ({len(parts)} messages): %.3f / %.3f" % timed(args.runs, digest))
    print(
        f"xlsx ({len(xlsx) / 1e6:.2f} MB): %.3f / %.3f"
        % timed(args.runs, lambda: exporter.xlsx(leads))
    )
    print(
        f"csv ({len(csv) / 1e6:.2f} MB): %.3f / %.3f"
        % timed(args.runs, lambda: exporter.csv(leads))
    )


if __name__ == "__main__":
    asyncio.run(main())
