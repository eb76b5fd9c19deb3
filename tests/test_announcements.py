"""Announcements: the coordinator's flow, delivery to every consenting signed-up student once
(also across a restart in the middle of sending), never to a student who used /stop or
/forget, /stop and receiving them again, and coordinators-only commands and buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Storage
from bot.telegram.announcer import announcer_of
from telegram_emulator import SimUser
from telegram_emulator import core as emulator_core
from tests.auxil.announcements import TEXT, lead, received, storage_of, student_with_lead
from tests.auxil.harness import HttpBot, LocalBot, start

pytestmark = pytest.mark.asyncio

COORDINATOR = 777


def is_announcement(params: dict[str, Any]) -> bool:
    """A sendMessage with the stop button every announcement has."""
    markup = params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return any(button.get("callback_data") == "1|stop" for row in rows for button in row)


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def announce(bot: LocalBot, coordinator: SimUser, text: str = TEXT) -> None:
    """Write and confirm an announcement (in process: waits until it is sent)."""
    await bot.send(coordinator, "/announce")
    await bot.send(coordinator, text)
    await bot.press(coordinator, "1|ann:send")
    assert bot.app is not None
    if not isinstance(bot, HttpBot):
        await announcer_of(bot.app).wait()


# ───────────────────────────────────────── over HTTP, with a restart mid-way


async def test_every_consenting_student_gets_it_once_across_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop the bot while the third announcement is in flight, restart it: the rest is sent,
    nobody twice; never to a student who used /stop or /forget; a blocked bot is recorded."""
    send_message = emulator_core.METHODS["sendMessage"]
    gate, sent_before = asyncio.Event(), 0
    hold_after = 2

    async def gated(emu: Any, params: dict[str, Any]) -> Any:
        nonlocal sent_before
        to_student = str(params.get("chat_id")) != str(COORDINATOR)  # not a preview
        if to_student and is_announcement(params) and not gate.is_set():
            if sent_before >= hold_after:
                await gate.wait()  # in flight while the bot stops
            else:
                sent_before += 1
        return await send_message(emu, params)

    monkeypatch.setitem(emulator_core.METHODS, "sendMessage", gated)
    async with HttpBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        await start(bot)
        coordinator = bot.user(COORDINATOR, "en", "Coord")
        languages = ["en", "fr", "zh", "en", "fr", "zh", "en", "en"]
        students = [await student_with_lead(bot, 100 + i, lang) for i, lang in enumerate(languages)]
        stopper, forgetter, blocker = bot.user(200, "en"), bot.user(201, "fr"), bot.user(202, "zh")
        for user, lang in ((stopper, "en"), (forgetter, "fr"), (blocker, "zh")):
            await storage_of(bot).upsert_lead(lead(user.id, lang))
        await bot.send(stopper, "/stop")
        assert "no more announcements" in stopper.last.text
        await bot.send(forgetter, "/forget")
        await bot.press(forgetter, "1|forget:yes")
        blocker.block()

        await bot.send(coordinator, "/announce")
        await bot.send(coordinator, f"<b>{TEXT}</b>")
        assert "Ready to send to 9 students" in coordinator.last.text
        await bot.press(coordinator, "✏️ Français version")
        await bot.send(coordinator, "Journée portes ouvertes vendredi à 10 h")
        ready = coordinator.last
        await bot.press(coordinator, "✅ Send to 9")
        # Sending: the third announcement is held in flight; stop the bot meanwhile.
        await wait_until(lambda: _async(sent_before >= hold_after))
        assert bot.app is not None
        app = bot.app
        stopping = asyncio.create_task(bot.stop())
        await wait_until(lambda: _async(not app.running))
        gate.set()  # the sends in flight complete and are recorded; no new one starts
        await stopping
        got = {s.id: received(s, "10") for s in students}
        assert 0 < sum(got.values()) < len(students), got
        assert all(count <= 1 for count in got.values()), got

        await bot.start()  # a new process in all but name: resumes the announcement
        storage = storage_of(bot)
        await wait_until(lambda: _done(storage))
        await wait_until(lambda: _async("sent to 9" in coordinator.messages[-1].text))
        progress = coordinator.messages[-1]
        errors = [e for e in bot.emulator.errors if str(e.params["chat_id"]) != str(blocker.id)]
        assert errors == []

    for student, lang in zip(students, languages, strict=True):
        assert received(student, "10") == 1, (student, lang)
        expected = "Journée portes ouvertes" if lang == "fr" else TEXT
        assert expected in student.messages[-1].text
        assert student.messages[-1].button_labels
    assert received(stopper, "10") == 0
    assert received(forgetter, "10") == 0
    assert received(blocker, "10") == 0
    assert progress.message_id == ready.message_id, "one progress message, edited"
    assert "sent to 9 students" in progress.text
    assert "sent 8 · 🚫 blocked the bot 1 · ⚠️ failed 0" in progress.text


async def _async(value: bool) -> bool:
    return value


async def _done(storage: Storage) -> bool:
    return not await storage.unfinished_announcements()


# ───────────────────────────────────────── in process


async def test_stop_is_kept_until_the_student_asks_again(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        coordinator = bot.user(COORDINATOR, "en", "Coord")
        student = await student_with_lead(bot, 1, "fr")
        other = await student_with_lead(bot, 2, "en")
        await announce(bot, coordinator, "First news")
        assert received(student, "First news") == 1
        await bot.press(student, "🔕 Arrêter les annonces")  # the button under it
        assert "ne recevrez plus" in student.last.text
        assert received(student, "First news") == 1, "the announcement stays as it was"
        await bot.send(student, "/start")
        await storage_of(bot).upsert_lead(lead(1, "fr"))  # signs up again
        await announce(bot, coordinator, "Second news")
        assert received(student, "Second news") == 0
        assert received(other, "Second news") == 1
        await bot.send(student, "/stop")
        await bot.press(student, "🔔 Les recevoir à nouveau")
        assert "recevrez de nouveau" in student.last.text
        await announce(bot, coordinator, "Third news")
        assert received(student, "Third news") == 1
        await bot.send(student, "/mydata")
        assert "Annonces :</b>" not in student.last.text  # the plain text is shown
        assert "2 vous ont été envoyées" in student.last.text
        assert bot.emulator.errors == []


async def test_a_student_without_a_lead_gets_nothing(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        coordinator = bot.user(COORDINATOR, "en", "Coord")
        visitor = bot.user(5, "en")
        await bot.send(visitor, "what are the fees?")
        await bot.send(coordinator, "/announce")
        await bot.send(coordinator, TEXT)
        assert "No student can receive" in coordinator.last.text
        assert coordinator.last.button_labels == ["✖️ Cancel"]
        await bot.press(coordinator, "✖️ Cancel")
        assert "nothing was sent" in coordinator.last.text
        assert received(visitor, TEXT) == 0


async def test_confirm_handled_twice_sends_once(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        coordinator = bot.user(COORDINATOR, "en", "Coord")
        student = await student_with_lead(bot, 1, "en")
        await bot.send(coordinator, "/announce")
        await bot.send(coordinator, TEXT)
        press, second_tap = (coordinator.make_press("1|ann:send") for _ in range(2))
        await bot.feed(press)
        await bot.feed(press)  # the same update again (e.g. after a restart)
        await bot.feed(second_tap)
        assert bot.app is not None
        await announcer_of(bot.app).wait()
        assert received(student, TEXT) == 1
        assert "This announcement is closed" in (coordinator.answers[-1].text or "")
        assert len(await storage_of(bot).unfinished_announcements()) == 0


async def test_cancel_and_a_too_long_text(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        coordinator = bot.user(COORDINATOR, "zh", "Coord")
        student = await student_with_lead(bot, 1, "en")
        await bot.send(coordinator, "/announce")
        await bot.send(coordinator, "x" * 3501)
        assert "3500" in coordinator.last.text
        await bot.send(coordinator, TEXT)
        assert "准备发送" in coordinator.last.text
        await bot.send(coordinator, "/cancel")
        assert "已取消" in coordinator.last.text
        await bot.press(coordinator, "1|ann:send")  # the old button
        assert received(student, TEXT) == 0
        assert bot.emulator.errors == []


@pytest.mark.parametrize("data", ["1|ann:send", "1|ann:cancel", "1|ann:lang:fr", "1|ann:x"])
async def test_a_student_pressing_a_forged_coordinator_button_gets_the_stale_answer(
    tmp_path: Path, data: str
) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        coordinator = bot.user(COORDINATOR, "en", "Coord")
        student = await student_with_lead(bot, 1, "en")
        await bot.send(coordinator, "/announce")
        await bot.send(coordinator, TEXT)  # a draft is waiting for Confirm
        await bot.send(student, "/menu")
        update = student.make_press(student.last.buttons[0][0][1])
        update["callback_query"]["data"] = data
        await bot.feed(update)
        assert "older version" in student.last.text or "no longer" in student.last.text
        assert received(student, TEXT) == 0
        assert await storage_of(bot).unfinished_announcements() == []
        assert "Ready to send" in coordinator.last.text  # the coordinator's draft is intact
