"""An announcement in production shape: ``python -m bot run`` polling the emulator over HTTP,
SIGKILLed while sends are in flight (before Telegram performed them), and started again: every
student gets it exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Lead, Storage
from telegram_emulator import EmulatorServer, SimUser
from telegram_emulator import core as emulator_core
from telegram_emulator.errors import APIError
from tests.auxil.harness import BotProcess
from tests.auxil.process import reply, say, tap

pytestmark = [pytest.mark.asyncio, pytest.mark.process]

COORDINATOR = 777
TEXT = "Open day on Friday"


def is_announcement(params: dict[str, Any]) -> bool:
    """A sendMessage with the stop button every announcement has."""
    markup = params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return any(button.get("callback_data") == "1|stop" for row in rows for button in row)


async def sign_up(data: Path, users: list[SimUser]) -> None:
    storage = await Storage.open(data / "bot.sqlite3")
    for user in users:
        lead = Lead(
            user_id=user.id,
            name=f"S{user.id}",
            email=f"s{user.id}@example.org",
            language="en",
            consent_at=datetime.now(UTC),
        )
        await storage.upsert_lead(lead)
    await storage.close()


async def recorded(data: Path, count: int, timeout: float = 20) -> None:
    """Until the bot committed ``count`` recipients as sent (read from another connection)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with contextlib.closing(sqlite3.connect(data / "bot.sqlite3")) as conn:
            (sent,) = conn.execute(
                "SELECT COUNT(*) FROM announcement_recipients WHERE status = 'sent'"
            ).fetchone()
        if sent >= count:
            return
        assert loop.time() < deadline, f"{sent} recorded as sent"
        await asyncio.sleep(0.05)


async def test_sigkill_while_sending_then_restart_sends_each_once(
    server: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = server.emulator
    send_message = emulator_core.METHODS["sendMessage"]
    delivered, held = 0, asyncio.Event()
    gate, killed, restarted = asyncio.Event(), False, False

    async def gated(emu: Any, params: dict[str, Any]) -> Any:
        # The first process's sends after the first two die with it before Telegram performs
        # them: those held when it is killed, and those still in the socket then (handled
        # only after the kill: process.kill() blocks the loop until the process is gone).
        nonlocal delivered
        to_student = str(params.get("chat_id")) != str(COORDINATOR)  # not a preview
        if to_student and is_announcement(params) and not restarted:
            if delivered >= 2 or killed:
                held.set()
                await gate.wait()
                raise APIError(500, "Internal Server Error: connection lost")
            delivered += 1
        return await send_message(emu, params)

    get_me = emulator_core.METHODS["getMe"]

    async def started(emu: Any, params: dict[str, Any]) -> Any:
        # The second process's first call: the dead process's requests still in the server's
        # sockets were all handled (held, then failed) before it, however loaded the machine.
        nonlocal restarted
        restarted = restarted or killed
        return await get_me(emu, params)

    monkeypatch.setitem(emulator_core.METHODS, "sendMessage", gated)
    monkeypatch.setitem(emulator_core.METHODS, "getMe", started)
    coordinator = emulator.add_user(COORDINATOR, "Coord", "en")
    students = [emulator.add_user(100 + i, f"S{i}", "en") for i in range(8)]
    data = tmp_path / "data"
    await sign_up(data, students)
    process = BotProcess(
        server.base_url, data, emulator.token, BOT_COORDINATOR_IDS=str(COORDINATOR)
    )
    process.start()
    try:
        await say(coordinator, "/announce", "New announcement")
        await say(coordinator, TEXT, "Ready to send")
        await tap(coordinator, "✅ Send to 8", "sending")
        await asyncio.wait_for(held.wait(), 20)
        await recorded(data, 2)  # the two delivered are committed; the rest are held
        process.kill()
        killed = True
        gate.set()
        first = {s.id: sum(TEXT in m.text for m in s.messages) for s in students}
        assert sum(first.values()) == 2, first

        process.start()
        await reply(coordinator, "sent to 8 students")
    finally:
        process.kill()
    for student in students:
        assert sum(TEXT in m.text for m in student.messages) == 1, student
