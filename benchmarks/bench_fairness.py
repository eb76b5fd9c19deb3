"""One user floods, the others must not notice (issue 23).

    .venv/bin/python benchmarks/bench_fairness.py [--mode handoff group] [--rate 5]
        [--seconds 100] [--others 3] [--every 10] [--patience 90]

``python -m bot run`` with its production settings (rate limiter on: 30 messages a second,
20 a minute in a group; flood guard 12 messages in 10 s; relay outbox every 3 s; nothing
scaled) polls an ``EmulatorServer`` served by this process on 127.0.0.1, with a coordinator
and the coordinators' group configured.

- ``handoff``: a student opens "talk to a coordinator" and writes ``--rate`` messages a second
  for ``--seconds`` seconds into it.
- ``group``: a member of a class group mentions the bot ``--rate`` times a second for
  ``--seconds`` seconds.

Meanwhile ``--others`` students each ask a question every ``--every`` seconds (the next one
``--every`` seconds after the previous was asked, or at once when its answer came later),
waiting for each answer up to ``--patience`` seconds and never sending anything twice.
Figures: the other students' answers and their waits; for ``handoff``, whether every message
of the talker reached the coordinators' group once and in order, in how many messages, and
when the last arrived after the talker stopped; for ``group``, the replies and slow-down
warnings in the group; the most updates left waiting at Telegram at any time (how far
polling fell behind).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import common

from telegram_emulator import BotAPIEmulator, EmulatorServer, SimGroup, SimUser
from tests.auxil.harness import BotProcess

COORDINATOR, COORDINATORS_CHAT, CLASS = 777, -100_777, -100_555
QUESTIONS = (
    "what are the fees?",
    "how long is the stay?",
    "is housing provided?",
    "which laboratories can I join?",
    "can I do cardiology?",
)


@dataclass
class Other:
    """A student asking questions while someone floods."""

    user: SimUser
    waits: list[float] = field(default_factory=list)
    unanswered: int = 0


async def ask_regularly(other: Other, until: float, every: float, patience: float) -> None:
    number = 0
    while time.monotonic() < until:
        asked = time.monotonic()
        other.user.send(QUESTIONS[(other.user.id + number) % len(QUESTIONS)])
        number += 1
        try:
            await other.user.wait_for_message(patience)
        except Exception:  # no answer within the patience: counted, never re-sent
            other.unanswered += 1
            return
        other.waits.append(time.monotonic() - asked)
        await asyncio.sleep(max(0.0, asked + every - time.monotonic()))


async def flood(send: object, rate: float, seconds: float, texts: list[str]) -> float:
    """Send ``texts`` at ``rate`` a second; the time the last was sent."""
    start = time.monotonic()
    for n, text in enumerate(texts):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        send(text)  # type: ignore[operator]
    return time.monotonic()


async def watch(
    emulator: BotAPIEmulator, group: SimGroup, arrivals: dict[int, float], stop: asyncio.Event
) -> int:
    """Note when each message of ``group`` arrived; return the most updates ever left
    waiting at Telegram."""
    most = 0
    while not stop.is_set():
        most = max(most, len(emulator.updates.pending))
        for message in group.messages:
            arrivals.setdefault(message.message_id, time.monotonic())
        await asyncio.sleep(0.05)
    return most


def inbox_pending(data_dir: Path) -> int:
    with sqlite3.connect(f"file:{data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0])


async def scenario(mode: str, args: argparse.Namespace, root: Path) -> list[tuple[str, object]]:
    emulator = BotAPIEmulator()
    data_dir = root / mode
    async with EmulatorServer(emulator) as server:
        coordinators = emulator.add_group(COORDINATORS_CHAT, "CQMU coordinators")
        bot = BotProcess(
            server.base_url,
            data_dir,
            emulator.token,
            clean=True,
            BOT_COORDINATOR_IDS=str(COORDINATOR),
            BOT_COORDINATOR_CHAT_ID=str(COORDINATORS_CHAT),
        )
        await bot.start_and_wait_for_poll(emulator, 120)
        try:
            flooder = emulator.add_user(1000, first_name="Flo", language_code="en")
            others = [
                Other(emulator.add_user(2000 + n, first_name=f"S{n}", language_code="en"))
                for n in range(args.others)
            ]
            count = int(args.rate * args.seconds)
            if mode == "handoff":
                flooder.send("/menu")
                await flooder.wait_for_message(30)
                flooder.press("💬 Ask a coordinator")
                await flooder.wait_for_message(30)
                texts = [f"[{n:04d}] one more detail about my plans" for n in range(count)]
                watched: SimGroup = coordinators
                send = flooder.send
            else:
                watched = emulator.add_group(CLASS, "Class of 2027", [flooder])
                name = emulator.bot_user["username"]
                texts = [f"@{name} what are the fees? ({n})" for n in range(count)]

                def send(text: str) -> None:
                    watched.send(flooder, text)

            arrivals: dict[int, float] = {}
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch(emulator, watched, arrivals, stop))
            start = time.monotonic()
            flooding = asyncio.create_task(flood(send, args.rate, args.seconds, texts))
            await asyncio.gather(
                *(
                    ask_regularly(o, start + args.seconds + args.every, args.every, args.patience)
                    for o in others
                )
            )
            stopped = await flooding
            if mode == "handoff":
                deadline = time.monotonic() + args.patience * 2
                while time.monotonic() < deadline and texts[-1] not in "".join(
                    m.text for m in coordinators.messages
                ):
                    await asyncio.sleep(0.2)
            await emulator.wait_idle(quiet=3.0, timeout=args.patience * 2)
            stop.set()
            most_waiting = await watcher
            pending = inbox_pending(data_dir)
        finally:
            code = await bot.stop()
    await emulator.aclose()
    waits = sorted(w for o in others for w in o.waits)
    asked = sum(len(o.waits) + o.unanswered for o in others)
    rows: list[tuple[str, object]] = [
        (
            "flood",
            f"{count} {'messages' if mode == 'handoff' else 'mentions'} "
            f"in {args.seconds:.0f} s ({args.rate:g}/s)",
        ),
        ("other students' questions answered", f"{len(waits)} of {asked}"),
        (
            "other students' wait: p50 / max",
            f"{common.percentile(waits, 50):.2f} s / {waits[-1]:.2f} s" if waits else "-",
        ),
        ("most updates waiting at Telegram at once", most_waiting),
    ]
    if mode == "handoff":
        relayed = "\n".join(m.text for m in coordinators.messages)
        counts = [relayed.count(text) for text in texts]
        positions = [relayed.find(text) for text in texts]
        last = next(
            (
                arrivals.get(m.message_id)
                for m in reversed(coordinators.messages)
                if texts[-1] in m.text
            ),
            None,
        )
        rows += [
            (
                "talker's messages in the coordinators' group",
                f"{sum(c > 0 for c in counts)} of {count}",
            ),
            ("… duplicated", sum(c > 1 for c in counts)),
            (
                "… in order",
                "yes" if positions == sorted(positions) and -1 not in positions else "NO",
            ),
            ("… carried by", f"{len(coordinators.messages)} messages"),
            (
                "last one arrived after the talker stopped",
                f"{last - stopped:.1f} s" if last is not None else "never",
            ),
            (
                "slow-down warnings to the talker",
                sum("very fast" in m.text for m in flooder.messages),
            ),
        ]
    else:
        rows += [
            ("replies in the group", len(watched.messages)),
            (
                "slow-down warnings in the group",
                sum("very fast" in m.text for m in watched.messages),
            ),
        ]
    rows += [("updates left in the inbox at the end", pending), ("exit code after SIGTERM", code)]
    return rows


async def run(args: argparse.Namespace) -> int:
    root = Path(args.data_dir or tempfile.mkdtemp(prefix="fairness-"))
    print(f"machine: {common.machine()}; {common.load()}")
    print(
        f"command: .venv/bin/python benchmarks/bench_fairness.py --mode {' '.join(args.mode)} "
        f"--rate {args.rate:g} --seconds {args.seconds:g} --others {args.others} "
        f"--every {args.every:g} --patience {args.patience:g}"
    )
    for mode in args.mode:
        rows = await scenario(mode, args, root)
        print(f"\n{mode}:\n")
        print(common.markdown_table(("figure", "value"), rows))
    print(f"\ndata and bot.log: {root}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--mode", nargs="+", choices=("handoff", "group"), default=["handoff", "group"]
    )
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=100.0)
    parser.add_argument("--others", type=int, default=3)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--patience", type=float, default=90.0)
    parser.add_argument("--data-dir")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
