"""Bot API faults (issue 10): students asking questions and signing up while a proxy answers
some of the bot's Bot API calls with errors.

    .venv/bin/python benchmarks/bench_faults.py [--students 30] [--p429 0.10] [--p502 0.05]
        [--phang 0.05] [--hang 15] [--seed 1] [--patience 300]

``python -m bot run`` (production configuration) talks to an ``EmulatorServer`` through
``benchmarks/fault_proxy.py`` (both served by this process on 127.0.0.1): 10 % of calls are
answered 429 with ``retry_after`` 1-3 s, 5 % 502, 5 % are held 15 s (longer than the bot's
read timeout) — ``getUpdates`` included. Each student starts within 10 s, asks two questions,
then completes the sign-up form, waiting for every reply (up to ``--patience`` s) and never
sending anything twice. Figures: messages answered, leads stored / lost / duplicated,
students left without a reply, apologies, faults injected, whether the process stayed up.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

import common
from bench_signup_load import (
    LANGS,
    THINK,
    Student,
    plan,
    progressed,
    shown_twice,
    sign_up,
    stored_leads,
    verdict,
)
from fault_proxy import FaultProxy

from bot.understanding.answers import Assistant
from telegram_emulator import BotAPIEmulator, EmulatorServer
from tests.auxil.harness import BotProcess

QUESTIONS = {
    "en": ("what are the fees?", "how long is the stay?"),
    "fr": ("quels sont les frais ?", "combien de temps dure le séjour ?"),
    "zh": ("费用是多少？", "交流时间多长？"),
}


async def student_run(student: Student, start: float, patience: float, texts_plan: list) -> int:
    """Two questions (each answered before the next), then the form; the questions answered."""
    await asyncio.sleep(random.uniform(0, 10))
    answered = 0
    for question in QUESTIONS[student.lang]:
        await asyncio.sleep(random.uniform(*THINK))
        student.user.send(question)
        if not await progressed(student.user, [""], patience):
            student.problem = f"no answer to {question!r}"
            return answered
        answered += 1
    await sign_up(student, texts_plan, start, 0.0, patience=patience, delay=0.0)
    return answered


async def run(args: argparse.Namespace) -> int:
    assistant = Assistant.load(common.KNOWLEDGE, common.CONVERSATIONS)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="faults-"))
    emulator = BotAPIEmulator()
    async with EmulatorServer(emulator) as server:
        proxy = FaultProxy(
            server.base_url.removesuffix("/bot"), p429=args.p429, p502=args.p502,
            phang=args.phang, hang=args.hang, seed=args.seed,
        )  # fmt: skip
        await proxy.start()
        bot = BotProcess(proxy.base_url, data_dir, emulator.token)
        students = [
            Student(n, emulator.add_user(200_000 + n, f"S{n}", LANGS[n % 3]), LANGS[n % 3])
            for n in range(args.students)
        ]
        plans = [plan(s, assistant.texts, assistant) for s in students]
        bot.start()
        start = time.monotonic()
        try:
            answered = await asyncio.gather(
                *(
                    student_run(s, start, args.patience, p)
                    for s, p in zip(students, plans, strict=True)
                )
            )
            wall = time.monotonic() - start
            await emulator.wait_idle(quiet=1.0, timeout=60)
            alive = bot.process is not None and bot.process.poll() is None
        finally:
            code = bot.terminate()
            await proxy.stop()
        figures = verdict(students, stored_leads(data_dir / "bot.sqlite3"))
    await emulator.aclose()
    apology = [assistant.texts.get("error_apology", lang) for lang in LANGS]
    apologies = sum(any(a in m.html for a in apology) for s in students for m in s.user.messages)
    form_replies = sum(len(p) for p in plans) - sum(
        len(p) for s, p in zip(students, plans, strict=True) if not s.confirmed
    )
    rows = [
        ("students", len(students)),
        ("questions answered", f"{sum(answered)} of {2 * len(students)}"),
        ("sign-ups confirmed", sum(s.confirmed for s in students)),
        ("form steps answered", form_replies),
        ("leads stored as answered", figures["stored"]),
        ("leads lost", figures["lost"]),
        ("leads duplicated", figures["duplicates"]),
        ("leads mixed up", figures["mixed"]),
        ("students left without a reply", sum(s.problem is not None for s in students)),
        ("replies shown twice in a row", shown_twice(students)),
        ("apologies sent", apologies),
        ("calls through the proxy", sum(proxy.counts.values())),
        (
            "faults injected",
            f"{proxy.counts['429']} × 429, {proxy.counts['502']} × 502, "
            f"{proxy.counts['hang']} × {args.hang:.0f} s hang",
        ),
        ("bot process still running at the end", "yes" if alive else "NO"),
        ("wall time", f"{wall:.1f} s"),
        ("exit code after SIGTERM", code),
    ]
    print(f"machine: {common.machine()}; {common.load()}")
    print(
        f"command: .venv/bin/python benchmarks/bench_faults.py --students {args.students} "
        f"--p429 {args.p429} --p502 {args.p502} --phang {args.phang} --hang {args.hang} "
        f"--seed {args.seed}"
    )
    print(common.markdown_table(("figure", "value"), rows))
    for student in students:
        if student.problem:
            print(f"student {student.number}: {student.problem}")
    print(f"data and bot.log: {data_dir}")
    ok = alive and figures["lost"] == figures["duplicates"] == 0
    return 0 if ok and all(s.confirmed for s in students) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--p429", type=float, default=0.10)
    parser.add_argument("--p502", type=float, default=0.05)
    parser.add_argument("--phang", type=float, default=0.05)
    parser.add_argument("--hang", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--patience", type=float, default=300.0)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    random.seed(args.seed)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
