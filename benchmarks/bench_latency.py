"""The student's wait (issue 19): this bot against python-telegram-bot's echo bot, in one run,
with a network round trip added to every Bot API call.

    .venv/bin/python benchmarks/bench_latency.py [--questions 30] [--presses 30]
        [--latency 0.1] [--think 0.5] [--cache DIR]

Two ``EmulatorServer``s served by this process on 127.0.0.1, each behind
``benchmarks/fault_proxy.py`` with no faults and ``--latency`` seconds of round trip on every
call (half on the way to the server, half on the way back: a long poll's update reaches the
bot half a round trip after the student sent it, a reply is seen half a round trip after the
bot sent it). One polls ``python -m bot run`` (production configuration: rate limiter,
inbox, persistence); the other ``benchmarks/echo_bot.py`` (PTB's echo bot: one ``sendMessage``
per text; one ``editMessageText`` per button press). Both run as processes from the start.

A simulated student sends a message (or presses a button) and the wait is timed from the
update being queued at the emulator to the bot's message (or edit) reaching it — what the
student sees. One at a time, alternating the two bots, ``--think`` seconds after each reply:
``--questions`` distinct questions in English, Chinese and French (held-out questions with an
opening and a closing in their language, never printed), each echo-ed by the echo bot; then
``--presses`` menu-button presses (the main menu's buttons, then Back, in turn) against as many
presses of the echo bot's button. A few of each go first unmeasured (warm-up). Figures: median
and p90 waits, their ratios (targets: free text median ≤ 1.15×, p90 ≤ 1.3×; button median
≤ 1.15×) and the Bot API calls per question and per press (``getUpdates`` left out).

``--cache`` is a warm matcher cache copied into the bot's data dir (default: ``data/cache``
when present); without one the bot computes it first (not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    REPOSITORY,
    Users,
    load,
    machine,
    markdown_table,
    percentile,
    questions,
    tree_state,
)
from fault_proxy import FaultProxy

from telegram_emulator import BotAPIEmulator, EmulatorServer, SimUser
from tests.auxil.harness import BotProcess, FirstCalls

TARGETS = {"text_median": 1.15, "text_p90": 1.3, "button_median": 1.15}
WARM_UP = 3


class Side:
    """One bot behind its own proxy and emulator, with the waits measured."""

    def __init__(self, name: str, latency: float, think: float) -> None:
        self.name, self.think = name, think
        self.emulator = BotAPIEmulator()
        self.server = EmulatorServer(self.emulator)
        self.latency = latency
        self.proxy: FaultProxy | None = None
        self.users = Users(self.emulator, 50_000)
        self.waits: dict[str, list[float]] = {"text": [], "button": []}
        self.calls: dict[str, Counter[str]] = {"text": Counter(), "button": Counter()}
        self.process: subprocess.Popen[bytes] | None = None
        self.bot: BotProcess | None = None

    async def serve(self) -> str:
        upstream = (await self.server.start()).removesuffix("/bot")
        self.proxy = FaultProxy(upstream, p429=0, p502=0, phang=0, latency=self.latency)
        return await self.proxy.start()

    async def act(self, kind: str, user: SimUser, do: Callable[[], Any], record: bool) -> None:
        """``do`` sends or presses; wait for the bot's message or edit, then think."""
        before = len(self.emulator.requests)
        user.mark()
        started = time.perf_counter()
        do()
        await user.wait_for_message(timeout=30)
        waited = time.perf_counter() - started
        await asyncio.sleep(self.think)
        if record:
            self.waits[kind].append(waited)
            self.calls[kind].update(
                r.method for r in self.emulator.requests[before:] if r.method != "getUpdates"
            )

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop(timeout=20)
        if self.process is not None:
            self.process.terminate()
            while self.process.poll() is None:  # keep serving its last poll meanwhile
                await asyncio.sleep(0.01)
        if self.proxy is not None:
            await self.proxy.stop()
        await self.server.stop()
        await self.emulator.aclose()


async def start_ours(side: Side, root: Path, cache: Path | None) -> None:
    base_url = await side.serve()
    data_dir = root / "ours"
    if cache is not None and cache.is_dir():
        shutil.copytree(cache, data_dir / "cache")
    side.bot = BotProcess(base_url, data_dir, side.emulator.token, clean=True)
    await side.bot.start_and_wait_for_poll(side.emulator, timeout=120)


async def start_echo(side: Side, root: Path) -> None:
    base_url = await side.serve()
    calls = FirstCalls(side.emulator)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": side.emulator.token,
        "TELEGRAM_API_BASE_URL": base_url,
    }
    with (root / "echo.log").open("ab") as log:
        side.process = subprocess.Popen(
            [sys.executable, str(REPOSITORY / "benchmarks" / "echo_bot.py")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    await asyncio.wait_for(calls.polled.wait(), 60)


class MenuWalk:
    """The buttons a student presses on our bot: on the main menu, each of its menu and topic
    buttons in turn; anywhere else, the button back to the main menu."""

    def __init__(self) -> None:
        self.turn = 0

    def next(self, user: SimUser) -> str:
        buttons = [data for row in user.last.buttons for _, data in row]
        back = [data for data in buttons if data.endswith("menu:main")]
        if back:
            return back[0]
        choices = [d for d in buttons if d.split("|")[-1].startswith(("menu:", "topic:"))]
        self.turn += 1
        return choices[(self.turn - 1) % len(choices)]


async def measure(args: argparse.Namespace, root: Path) -> tuple[Side, Side]:
    echo = Side("echo bot (python-telegram-bot)", args.latency, args.think)
    ours = Side("this bot", args.latency, args.think)
    try:
        await start_echo(echo, root)
        await start_ours(ours, root, args.cache)
        asked = questions(args.questions + WARM_UP, seed=19)
        for number, (text, lang) in enumerate(asked):
            record = number >= WARM_UP
            pair = (echo, ours) if number % 2 == 0 else (ours, echo)
            for side in pair:
                user = side.users.pick(lang)
                await side.act("text", user, lambda u=user, t=text: u.send(t), record)
        echo_user = echo.emulator.add_user(59_999, "Ana", "en")
        ours_user = ours.emulator.add_user(59_999, "Ana", "en")
        await echo.act("text", echo_user, lambda: echo_user.send("hello"), False)
        await ours.act("text", ours_user, lambda: ours_user.send("/menu"), False)
        walk = MenuWalk()
        for number in range(args.presses + WARM_UP):
            record = number >= WARM_UP
            pair = (echo, ours) if number % 2 == 0 else (ours, echo)
            for side in pair:
                if side is echo:
                    await side.act("button", echo_user, lambda: echo_user.press("again"), record)
                else:
                    data = walk.next(ours_user)
                    await side.act("button", ours_user, lambda d=data: ours_user.press(d), record)
    finally:
        await ours.stop()
        await echo.stop()
    return echo, ours


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(echo: Side, ours: Side, args: argparse.Namespace) -> str:
    def figures(side: Side, kind: str) -> tuple[float, float]:
        values = sorted(side.waits[kind])
        return statistics.median(values), percentile(values, 90)

    def per(side: Side, kind: str) -> str:
        count = len(side.waits[kind])
        return ", ".join(
            f"{method} {n / count:g}" for method, n in sorted(side.calls[kind].items())
        )

    rows = []
    for side in (echo, ours):
        text, button = figures(side, "text"), figures(side, "button")
        rows.append([side.name, ms(text[0]), ms(text[1]), per(side, "text"),
                     ms(button[0]), ms(button[1]), per(side, "button")])  # fmt: skip
    (t_med, t_p90), (b_med, b_p90) = figures(ours, "text"), figures(ours, "button")
    (e_t_med, e_t_p90), (e_b_med, e_b_p90) = figures(echo, "text"), figures(echo, "button")
    ratios = {
        "text_median": t_med / e_t_med,
        "text_p90": t_p90 / e_t_p90,
        "button_median": b_med / e_b_med,
    }
    names = {
        "text_median": "free-text answer, median wait",
        "text_p90": "free-text answer, p90 wait",
        "button_median": "menu button, median wait",
    }
    verdicts = [
        [
            names[key],
            f"{value:.2f}×",
            f"≤ {TARGETS[key]}×",
            "PASS" if value <= TARGETS[key] else "FAIL",
        ]
        for key, value in ratios.items()
    ]
    verdicts.append(["menu button, p90 wait (no target)", f"{b_p90 / e_b_p90:.2f}×", "", ""])
    return "\n\n".join([
        f"{len(ours.waits['text'])} questions (en, zh, fr) and {len(ours.waits['button'])} "
        f"button presses per bot, one at a time, alternating the bots; {ms(args.latency)} "
        f"round trip added to every Bot API call; {args.think} s between a reply and the next "
        "message.",
        markdown_table(
            ["bot", "text: median", "p90", "calls per question",
             "button: median", "p90", "calls per press"],
            rows,
        ),
        markdown_table(["ratio this bot / echo bot", "value", "target", "verdict"], verdicts),
    ])  # fmt: skip


def _verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.1, help="round trip added, seconds")
    parser.add_argument("--think", type=float, default=0.5)
    default_cache = REPOSITORY / "data" / "cache"
    parser.add_argument(
        "--cache", type=Path, default=default_cache if default_cache.is_dir() else None
    )
    args = parser.parse_args()
    print(f"# The student's wait\n\n{machine()}; {load()}\n\n{tree_state()}\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        echo, ours = asyncio.run(measure(args, Path(tmp)))
    print(report(echo, ours, args))
    print(f"\n{load()}")


if __name__ == "__main__":
    main()
