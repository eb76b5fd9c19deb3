"""Button data is matched exactly (bot/telegram/callbacks.py): forged values — a trailing
newline, non-ASCII or 20-digit numbers, pages out of range, a confirmation without its prompt,
a student's button pressed in a group — get the polite "no longer valid" answer, never an
action and never an error report to the coordinators."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.callbacks import pattern
from bot.telegram.context import services_of
from tests.auxil.announcements import TEXT, received, storage_of, student_with_lead
from tests.auxil.coordinators import coordinator, forge, group, start_with_coordinators
from tests.auxil.harness import LocalBot, start
from tests.auxil.signup import Student, sign_up
from tests.auxil.updates import edited

pytestmark = pytest.mark.asyncio

INVALID = "That button is no longer valid."
COORDINATOR = 777


async def test_the_one_pattern_accepts_only_what_the_bot_produces() -> None:
    cancel = pattern("ann:(send|cancel)$")
    assert cancel("1|ann:cancel") and cancel("1|ann:send")
    for forged in (
        "1|ann:cancel\n",
        "1|ann:cancelx",
        "1|ann:cancel:",
        " 1|ann:cancel",
        "2|ann:send",
    ):
        assert not cancel(forged), forged
    page = pattern(r"un:pg:\d+:\d+$")
    assert page("1|un:pg:1:2")
    assert not page("1|un:pg:1:²") and not page("1|un:pg:1:٣")


async def test_stop_buttons_work_only_in_the_students_own_private_chat(tmp_path: Path) -> None:
    bot = await start_with_coordinators(LocalBot, tmp_path)
    try:
        await sign_up(bot, bot.user(2001, "en", "Ana"), Student(2001))
        notice = group(bot).messages[-1]
        count = len(group(bot).messages)
        member = group(bot).add_member(bot.user(3001, "en", "Not a coordinator"))
        for data in ("1|stop", "1|stop:undo", "1|stop:undo\n", "1|stop:x"):
            press = group(bot).make_press(member, "✅ Contacted", notice.message_id)
            await forge(bot, press, data)
            assert member.answers[-1].text == INVALID, data
        li = coordinator(bot)
        await forge(bot, group(bot).make_press(li, "✅ Contacted", notice.message_id), "1|stop")
        assert li.answers[-1].text == INVALID
        assert len(group(bot).messages) == count and not group(bot).messages[-1].edited
        assert await services_of(bot.app).storage.announcements_stopped(3001) is None  # type: ignore[arg-type]
        assert await services_of(bot.app).storage.announcements_stopped(COORDINATOR) is None  # type: ignore[arg-type]
    finally:
        await bot.stop()


async def test_the_preview_sends_only_on_send(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        await start(bot)
        me = bot.user(COORDINATOR, "en", "Coord")
        student = await student_with_lead(bot, 1, "en")
        await bot.send(me, "/announce")
        await bot.send(me, TEXT)
        preview = me.last
        assert "Ready to send" in preview.text
        for data in ("1|ann:cancel\n", "1|ann:send\n", "1|ann:lang:de", "1|ann:sendx", "1|ann:"):
            update = me.make_press("1|ann:send", preview.message_id)
            update["callback_query"]["data"] = data
            await bot.feed(update)
            assert me.answers[-1].text == INVALID, data
        assert received(student, TEXT) == 0
        assert await storage_of(bot).unfinished_announcements() == []
        await bot.press(me, "1|ann:cancel")
        assert "nothing was sent" in me.last.text
        assert received(student, TEXT) == 0
        assert bot.emulator.errors == []


async def test_forged_page_numbers_are_no_longer_valid_and_report_no_error(
    tmp_path: Path,
) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        await start(bot)
        student, me = bot.user(1001), bot.user(COORDINATOR, "en", "Coord")
        await bot.send(student, "Is there a swimming pool on campus?")
        await bot.send(me, "/unanswered")
        listing = me.last
        assert "group 1 of 1" in listing.text
        before = len(me.messages)
        for data in (
            "1|un:pg:1:²",
            "1|un:pg:1:" + "9" * 20,
            "1|un:pg:1:5",
            "1|un:pg:1:07",
            "1|un:ign:" + "9" * 20,
            "1|un:add:1:٣",
            "1|un:pg:1:0\n",
        ):
            update = me.make_press(listing.buttons[0][0][1], listing.message_id)
            update["callback_query"]["data"] = data
            await bot.feed(update)
            assert me.answers[-1].text == INVALID, data
        assert len(me.messages) == before, "no error report, nothing new"
        assert all("Bot error" not in m.text for m in me.messages)
        assert bot.emulator.errors == []


async def test_forget_yes_counts_only_on_its_own_prompt(tmp_path: Path) -> None:
    async with LocalBot(tmp_path) as bot:
        await start(bot)
        student = bot.user(1001, "en", "Ana")
        await sign_up(bot, student, Student(1001))
        await bot.send(student, "/menu")
        menu = student.last
        update = student.make_press(menu.buttons[0][0][1], menu.message_id)
        update["callback_query"]["data"] = "1|forget:yes"
        await bot.feed(update)
        assert student.answers[-1].text.startswith(INVALID.rstrip("."))
        assert await services_of(bot.app).storage.get_lead(1001) is not None  # type: ignore[arg-type]

        await bot.send(student, "/forget")
        prompt = student.last
        await bot.press(student, "1|forget:yes")
        assert "Done" in student.last.text
        assert await services_of(bot.app).storage.get_lead(1001) is None  # type: ignore[arg-type]
        update = student.make_press(menu.buttons[0][0][1], menu.message_id)
        update["callback_query"]["data"] = "1|forget:no"
        await bot.feed(update)
        assert prompt.message_id and student.answers[-1].text.startswith(INVALID.rstrip("."))


async def test_an_edited_command_runs_nothing(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        await start(bot)
        me = bot.user(COORDINATOR, "en", "Coord")
        hello = me.make_message("hello")
        await bot.feed(hello)
        seen = len(me.messages)
        for command in ("/digest", "/leads", "/stats", "/handoffs", "/coordinator", "/mydata"):
            update = edited(bot.emulator, hello, command)
            entity = {"type": "bot_command", "offset": 0, "length": len(command)}
            update["edited_message"]["entities"] = [entity]  # as Telegram marks a command
            await bot.feed(update)
        assert len(me.messages) == seen, "edited commands are ignored"
        await bot.send(me, "/handoffs")
        assert len(me.messages) == seen + 1, "a new command still works"
