"""What the coordinators' console costs: the bytes of its first load, and the server time of
every API call with 10,000 leads and 1,000 unanswered questions in the database.

    .venv/bin/python benchmarks/bench_console.py [--leads 10000] [--questions 1000] [--calls 20]

The bot runs in process on the emulator with the console listening on loopback (as
``python -m bot run`` starts it); each call is timed by the server itself (tornado's
``request_time``: from the request read to the response finished). The first ``unanswered``
call starts grouping the questions (as ``/unanswered`` does) in the background: while it runs
(in steps on the event loop) every API call is made and timed too; its duration is reported
apart, and so are the calls of the first second after the console starts listening (the
start-up reads of /stats and the filter choices run then). Statistics, groups and lead
choices are computed off the request path (bot/web/refreshed.py), so the calls are timed as
they are served. The event loop's longest hold (how late a 1 ms sleep wakes up) is reported
for the first second, the grouping and the steady state: a hold delays every call in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from common import REPOSITORY, machine

from bot.storage import Lead
from bot.telegram.context import services_of
from bot.web import server
from bot.web.auth import sign
from tests.auxil.harness import LocalBot, start

COORDINATOR = 777
COUNTRIES = ("Chile", "France", "Kenya", "Viet Nam", "Brazil", "Morocco", "India", "Peru")
LEVELS = ("bachelor", "master", "phd")
AREAS = ("clinical-medicine", "pharmacy", "nursing-science", "public-health-preventive-medicine")
QUESTIONS = (
    "can I bring my cat number {n}",
    "is there a swimming pool {n}",
    "quel est le code wifi {n}",
    "宿舍可以养狗吗 {n}",
    "where do I park my bike {n}",
)


async def fill(bot: LocalBot, leads: int, questions: int) -> None:
    """Leads and unanswered questions straight into the bot's storage."""
    storage = services_of(bot.app).storage
    now = datetime.now(UTC)
    for n in range(leads):
        await storage.upsert_lead(
            Lead(
                user_id=100_000 + n,
                name=f"Student {n}",
                email=f"s{n}@example.org",
                country=COUNTRIES[n % len(COUNTRIES)],
                level=LEVELS[n % len(LEVELS)],
                interests=(AREAS[n % len(AREAS)],),
                language=("en", "zh", "fr")[n % 3],
                consent_at=now - timedelta(minutes=n),
            )
        )
    for n in range(questions):
        text = QUESTIONS[n % len(QUESTIONS)].format(n=n % 97)
        await storage.log_question(200_000 + n, "en", text, None, None)
    await storage.questions.flush()


def timings(app: Any) -> list[tuple[str, float, float]]:
    """Server times (path, seconds, time.monotonic() of the start) noted by the console's
    tornado application."""
    noted: list[tuple[str, float, float]] = []

    def log(handler: Any) -> None:
        seconds = handler.request.request_time()
        noted.append((handler.request.uri, seconds, time.monotonic() - seconds))

    app.settings["log_function"] = log
    return noted


class LoopHolds:
    """The event loop's longest hold since the last :meth:`take`: how late a 1 ms sleep wakes."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            self.longest = max(self.longest, time.perf_counter() - start - 0.001)

    def take(self) -> float:
        """The longest hold (ms) since the last call; starts again."""
        longest, self.longest = self.longest, 0.0
        return longest * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-console-"))
    bot = LocalBot(
        data,
        coordinator_ids=frozenset({COORDINATOR}),
        web_url="https://console.example.org/console/",
        web_port=0,
    )
    await start(bot)
    assert bot.app is not None
    t0 = time.perf_counter()
    await fill(bot, args.leads, args.questions)
    print(f"filled {args.leads} leads, {args.questions} questions in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)  # fmt: skip
    t0 = time.perf_counter()
    web = await server.start(bot.app)
    listening = time.monotonic()
    print(f"console start (until it listens): {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    holds, loop_holds = LoopHolds(), dict[str, float]()  # from the moment it listens
    assert web is not None and web.server is not None
    noted = timings(web.server.request_callback)  # type: ignore[arg-type]
    user = json.dumps({"id": COORDINATOR, "first_name": "Chen", "language_code": "en"})
    init = sign({"auth_date": str(int(time.time())), "user": user}, bot.emulator.token)
    headers = {"Authorization": "tma " + init, "Accept-Encoding": "gzip"}
    base = f"http://127.0.0.1:{web.port}/console/"
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        # First load: what the page fetches before it shows the answers screen.
        first = ["", "static/console.css", "static/console.js", "texts/en.json"]
        api_first = ["api/me", "api/topics?q="]
        transferred = 0
        for path in first + api_first:
            async with client.stream("GET", path, headers=headers) as response:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
                head = sum(len(k) + len(v) + 4 for k, v in response.headers.items())
                transferred += len(body) + head
        print(
            f"first load: {transferred / 1024:.1f} KB over {len(first + api_first)} requests "
            "(gzip, headers included; Telegram's telegram-web-app.js not counted)"
        )
        loaded = len(noted)  # the first load's API calls: in the first second only
        calls = [
            "api/me",
            "api/topics?q=fee",
            "api/topics/fees",
            "api/leads",
            "api/leads?offset=9900",
            "api/leads?status=new&country=chile&sort=name&desc=0",
            "api/leads?level=phd&interest=pharmacy&from=2020-01-01&to=2099-12-31",
            "api/unanswered",
            "api/stats",
        ]
        started = time.perf_counter()
        while (await client.get("api/unanswered", headers=headers)).json()["pending"]:
            for path in calls:  # every call, while the grouping runs
                await client.get(path, headers=headers)
            await asyncio.sleep(0.05)
        grouping = time.perf_counter() - started
        loop_holds["first second and the grouping"] = holds.take()
        during = len(noted)
        for _ in range(args.calls):
            for path in calls:
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code)
        for _ in range(args.calls):
            lead = 100_000 + _ * 7
            response = await client.post(
                f"api/leads/{lead}/status", headers=headers, json={"status": "contacted"}
            )
            assert response.status_code == 200
        loop_holds["steady state"] = holds.take()
        big = {path.split("?")[0] for path in ("api/leads.xlsx", "api/stats.png")}
        for path in sorted(big):
            await client.get(path, headers=headers)
    holds.task.cancel()
    rows: dict[str, list[float]] = {}
    for path, seconds, began in noted:
        if began - listening < 1.0 and "/api/" in path:
            rows.setdefault("first second: " + path.split("?")[0], []).append(seconds * 1000)
    for path, seconds, _ in noted[loaded:during]:
        rows.setdefault("during the grouping: " + path.split("?")[0], []).append(seconds * 1000)
    for path, seconds, _ in noted[during:]:
        if "/status" in path:
            path = "/console/api/leads/<id>/status"
        rows.setdefault(path, []).append(seconds * 1000)
    print(f"\n{machine()}; {args.leads} leads, {args.questions} unanswered questions\n")
    print(f"\nbackground grouping of the newest 500 unanswered questions: {grouping:.2f} s "
          "(the calls meanwhile answer at once, unanswered with pending: true)\n")  # fmt: skip
    held = ", ".join(f"{phase} {ms:.1f} ms" for phase, ms in loop_holds.items())
    print(f"event loop's longest hold: {held}\n")
    print("| call (server time) | median ms | max ms | calls |")
    print("|---|---|---|---|")
    for path, values in rows.items():
        print(f"| {path.removeprefix('/console/')} | {statistics.median(values):.1f} | "
              f"{max(values):.1f} | {len(values)} |")  # fmt: skip
    await server.stop(bot.app)
    await bot.stop()
    print(f"\n(data dir {data}; repository {REPOSITORY})", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
