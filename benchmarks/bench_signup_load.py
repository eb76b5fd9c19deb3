"""The sign-up acceptance figure (issue 4): many students completing the form at the same time
over HTTP, while the bot is killed (SIGKILL) and started again.

    .venv/bin/python benchmarks/bench_signup_load.py [--students 200] [--kills 2]
        [--first-kill 20] [--kill-every 30] [--patience 300] [--resend-after 0] [--data-dir DIR]

``python -m bot run`` (production configuration: SQLite persistence, rate limiter, flood
guard) polls an ``EmulatorServer`` served by this process on 127.0.0.1. Each simulated student
starts within the first 10 s, then answers the 14 actions of the form (typing and pressing
buttons, in English, Chinese or French), thinking 1.0-1.6 s before each one. A student waits
for the reply that shows the next question, up to ``--patience`` seconds, and **never sends
again** (real students wait, then leave): a student without that reply is "left without a
reply". ``--resend-after N`` restores the old behaviour (the same message again after N s, up
to 8 times), which hides lost updates. The emulator keeps each update until the bot confirms
it with a higher ``getUpdates`` offset, as Telegram does. The bot is killed with SIGKILL
``--kills`` times (first at ``--first-kill`` s, then every ``--kill-every`` s) and started
again at once.

Afterwards the leads are read from the database file and compared with what each student
answered. Figures: students, confirmed (saw the thanks, or "already saved" after pressing
Confirm again), stored (a lead equal to the student's answers), duplicates (leads beyond one
per student or per e-mail), lost (confirmed but not stored as answered), mixed up (a lead with
another student's or a wrong answer), left without a reply, replies shown twice, wall time,
restarts, re-sends.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import common

from bot.content.texts import Texts
from bot.understanding.answers import Assistant
from telegram_emulator import BotAPIEmulator, EmulatorServer, SimUser, WaitTimeoutError
from tests.auxil.harness import BotProcess

LANGS = ("en", "zh", "fr")
LEVELS = ("masters", "phd", "visiting_scholar", "other")
DURATIONS = ("4_weeks", "6_weeks", "2_months", "3_months", "4_months", "6_months")
COUNTRIES = ("Chile", "Kenya", "Vietnam", "Germany", "Brazil", "Nepal", "Morocco", "Canada")
AREAS = (
    ("disciplines", "pediatrics"),
    ("laboratories", "ultrasonic-medicine"),
    ("specialties", "oncology"),
    ("disciplines", "neurology"),
)
THINK = (1.0, 1.6)
MAX_TRIES = 8
MONTH_FORMS = {"en": "{name} {year}", "fr": "{name} {year}", "zh": "{year}年{month}月"}


@dataclass
class Student:
    """One simulated student: their answers, and what happened to them."""

    number: int
    user: SimUser
    lang: str
    confirmed: bool = False
    finished_at: float | None = None
    resends: int = 0
    problem: str | None = None
    answers: dict[str, object] = field(default_factory=dict)


def plan(student: Student, texts: Texts, assistant: Assistant) -> list[tuple[str, str, list[str]]]:
    """The student's actions: (send|press, text or callback data, replies that show progress)."""
    n, lang = student.number, student.lang
    year = date.today().year + 1
    month = n % 12 + 1
    category, item = AREAS[n % len(AREAS)]
    answers: dict[str, object] = {
        "name": f"Student {n:03d} {lang}",
        "email": f"student{n:03d}@uni{n % 17}.example.org",
        "university": f"University of Somewhere {n}",
        "country": COUNTRIES[n % len(COUNTRIES)],
        "level": LEVELS[n % len(LEVELS)],
        "interests": [item],
        "duration": DURATIONS[n % len(DURATIONS)],
        "start_month": f"{year}-{month:02d}",
        "message": None if n % 3 == 0 else f"Looking forward to the programme ({n}).",
        "language": lang,
    }
    student.answers = answers
    name = texts.get(f"signup_month_{month}", lang)
    typed_month = MONTH_FORMS[lang].format(name=name, year=year, month=month)

    def prompt(step: str) -> list[str]:
        return [texts.get(f"signup_{step}_prompt", lang)]

    category_label = html.escape(texts.get(f"signup_interests_{category}", lang))
    message = answers["message"]
    return [
        ("send", "/signup", prompt("name")),
        ("send", str(answers["name"]), prompt("email")),
        ("send", str(answers["email"]), prompt("university")),
        ("send", str(answers["university"]), prompt("country")),
        ("send", str(answers["country"]), prompt("level")),
        ("press", f"1|su:level:{answers['level']}", prompt("interests")),
        (
            "press",
            f"1|su:interests:cat:{category}",
            [texts.get("signup_interests_category", lang, category=category_label)],
        ),
        (
            "press",
            f"1|su:interests:add:{item}",
            [f"• {html.escape(assistant.kb.items[item].label(lang))}"],
        ),
        ("press", "1|su:interests:done", prompt("duration")),
        ("press", f"1|su:duration:{answers['duration']}", prompt("start_month")),
        ("send", typed_month, prompt("message")),
        (
            ("press", "1|su:message:skip", [texts.get("signup_consent_prompt", lang, days=365)])
            if message is None
            else ("send", str(message), [texts.get("signup_consent_prompt", lang, days=365)])
        ),
        (
            "press",
            "1|su:consent:yes",
            [texts.get("signup_summary", lang, details="").split("\n")[0]],
        ),
        ("press", "1|su:summary:confirm", ["🎉", texts.get("signup_already_saved", lang)]),
    ]


async def act(student: Student, kind: str, value: str) -> None:
    if kind == "send":
        student.user.send(value)
    else:
        student.user.press(value)


async def progressed(user: SimUser, expected: list[str], timeout: float) -> bool:
    """Whether a bot message or edit showing one of ``expected`` arrives within ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        try:
            message = await user.wait_for_message(timeout=remaining)
        except WaitTimeoutError:
            return False
        if any(marker in message.html for marker in expected):
            return True
    return False


async def sign_up(
    student: Student,
    actions: list[tuple[str, str, list[str]]],
    start: float,
    resend_after: float,
    *,
    patience: float = 300.0,
    delay: float = 10.0,
) -> None:
    """Go through the form like a patient student: wait for each reply (never re-send unless
    ``resend_after`` is set)."""
    await asyncio.sleep(random.uniform(0, delay))
    for index, (kind, value, expected) in enumerate(actions):
        await asyncio.sleep(random.uniform(*THINK))
        for attempt in range(MAX_TRIES if resend_after else 1):
            if attempt:
                student.resends += 1
            await act(student, kind, value)
            if await progressed(student.user, expected, resend_after or patience):
                break
        else:
            student.problem = f"no reply at action {index + 1} ({kind} {value[:20]!r})"
            return
    student.confirmed = True
    student.finished_at = time.monotonic() - start


def shown_twice(students: list[Student]) -> int:
    """Bot messages a student received twice in a row with the same text (a reply re-sent)."""
    count = 0
    for student in students:
        texts = [m.html for m in student.user.messages]
        count += sum(a == b for a, b in itertools.pairwise(texts))
    return count


async def killer(bot: BotProcess, kills: int, first: float, every: float) -> list[float]:
    """SIGKILL the bot and start it again, ``kills`` times; return when it happened."""
    start, times = time.monotonic(), []
    for number in range(kills):
        await asyncio.sleep(max(0.0, first + number * every - (time.monotonic() - start)))
        bot.kill()
        bot.start()
        times.append(time.monotonic() - start)
    return times


def stored_leads(database: Path) -> list[dict[str, object]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM leads").fetchall()
    leads = [dict(row) for row in rows]
    for lead in leads:
        lead["interests"] = json.loads(str(lead["interests"]))
    return leads


def verdict(students: list[Student], leads: list[dict[str, object]]) -> dict[str, int]:
    """Compare the stored leads with what each student answered."""
    by_user = Counter(lead["user_id"] for lead in leads)
    by_email = Counter(lead["email"] for lead in leads)
    duplicates = sum(c - 1 for c in by_user.values()) + sum(c - 1 for c in by_email.values())
    leads_of = {lead["user_id"]: lead for lead in leads}
    stored = mixed = lost = 0
    for student in students:
        lead = leads_of.get(student.user.id)
        exact = lead is not None and all(lead[k] == v for k, v in student.answers.items())
        stored += exact
        mixed += lead is not None and not exact
        lost += student.confirmed and not exact
    strangers = len(set(leads_of) - {s.user.id for s in students})
    return {"stored": stored, "duplicates": duplicates, "lost": lost, "mixed": mixed + strangers}


async def run(args: argparse.Namespace) -> int:
    assistant = Assistant.load(common.KNOWLEDGE, common.CONVERSATIONS)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="signup-load-"))
    emulator = BotAPIEmulator()
    async with EmulatorServer(emulator) as server:
        bot = BotProcess(server.base_url, data_dir, emulator.token)
        students = [
            Student(n, emulator.add_user(100_000 + n, f"S{n}", LANGS[n % 3]), LANGS[n % 3])
            for n in range(args.students)
        ]
        plans = [plan(s, assistant.texts, assistant) for s in students]
        bot.start()
        start = time.monotonic()
        try:
            kills = asyncio.create_task(killer(bot, args.kills, args.first_kill, args.kill_every))
            await asyncio.gather(
                *(
                    sign_up(s, p, start, args.resend_after, patience=args.patience)
                    for s, p in zip(students, plans, strict=True)
                )
            )
            wall = time.monotonic() - start
            kill_times = await kills
            await emulator.wait_idle(quiet=1.0, timeout=30)
        finally:
            code = bot.terminate()
        figures = verdict(students, stored_leads(data_dir / "bot.sqlite3"))
    await emulator.aclose()
    outcome = Outcome(students, figures, wall, kill_times, code, refused(emulator), data_dir)
    report(args, outcome)
    return 0 if figures["lost"] == figures["duplicates"] == figures["mixed"] == 0 else 1


@dataclass
class Outcome:
    """What a run produced."""

    students: list[Student]
    figures: dict[str, int]
    wall: float
    kill_times: list[float]
    exit_code: int
    rejected: list[str]
    data_dir: Path


def refused(emulator: BotAPIEmulator) -> list[str]:
    """The calls the emulator refused, as "method: description"."""
    return [f"{r.method}: {r.error.description if r.error else '?'}" for r in emulator.errors]


def report(args: argparse.Namespace, outcome: Outcome) -> None:
    students, figures, kill_times = outcome.students, outcome.figures, outcome.kill_times
    wall, exit_code, rejected, data_dir = (
        outcome.wall,
        outcome.exit_code,
        outcome.rejected,
        outcome.data_dir,
    )
    confirmed = sum(s.confirmed for s in students)
    finish = sorted(s.finished_at for s in students if s.finished_at is not None)
    rows = [
        ("students", len(students)),
        ("confirmed", confirmed),
        ("stored", figures["stored"]),
        ("duplicates", figures["duplicates"]),
        ("lost", figures["lost"]),
        ("mixed up", figures["mixed"]),
        ("left without a reply", sum(s.problem is not None for s in students)),
        ("replies shown twice in a row", shown_twice(students)),
        ("wall time", f"{wall:.1f} s"),
        (
            "restarts",
            f"{len(kill_times)} (SIGKILL at {', '.join(f'{t:.1f} s' for t in kill_times)})",
        ),
        ("re-sends", sum(s.resends for s in students)),
        (
            "sign-up time p50 / max",
            f"{finish[len(finish) // 2]:.1f} s / {finish[-1]:.1f} s" if finish else "-",
        ),
        ("calls refused by the emulator", len(rejected)),
        ("exit code after SIGTERM", exit_code),
    ]
    print(f"machine: {common.machine()}; {common.load()}")
    print(
        f"command: .venv/bin/python benchmarks/bench_signup_load.py --students {args.students} "
        f"--kills {args.kills} --first-kill {args.first_kill} --kill-every {args.kill_every} "
        f"--patience {args.patience} --resend-after {args.resend_after}"
    )
    print(common.markdown_table(("figure", "value"), rows))
    for call, count in Counter(rejected).items():
        print(f"refused {count}x: {call}")
    for student in students:
        if student.problem:
            print(f"student {student.number}: {student.problem}")
    print(f"data and bot.log: {data_dir}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--first-kill", type=float, default=20.0)
    parser.add_argument("--kill-every", type=float, default=30.0)
    parser.add_argument("--patience", type=float, default=300.0, help="seconds per reply")
    parser.add_argument("--resend-after", type=float, default=0.0, help="0: never re-send")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--data-dir", help="keep the database and bot.log here")
    args = parser.parse_args()
    random.seed(args.seed)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
