"""A pressed "Reply to student" is explicit, shown, cancellable and short-lived: an ordinary
message in the coordinators' group never reaches a student unless it replies to one of that
student's messages or follows the same coordinator's unexpired "Reply to student"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.telegram.context import services_of
from telegram_emulator import ChatMessage, SimUser
from tests.auxil.coordinators import (
    COORDINATOR,
    GROUP,
    SECOND,
    coordinator,
    forge,
    group,
    say,
    start_with_coordinators,
)
from tests.auxil.harness import LocalBot
from tests.auxil.signup import Student, sign_up

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def local(tmp_path: Path) -> AsyncIterator[LocalBot]:
    """Two coordinators and their group, which the bot reads whole (privacy mode off, as in
    the report: otherwise an ordinary message never reaches the bot at all)."""
    bot = await start_with_coordinators(LocalBot, tmp_path)
    bot.emulator.group_privacy = False
    try:
        yield bot
        assert bot.emulator.errors == [], "the bot made calls Telegram would reject"
    finally:
        await bot.stop()


async def notice_of(bot: LocalBot, user_id: int, name: str) -> tuple[SimUser, ChatMessage]:
    """A student signs up; their notice in the coordinators' group."""
    student = bot.user(user_id, "en", name)
    await sign_up(bot, student, Student(user_id, name=name))
    notice = group(bot).messages[-1]
    assert name in notice.text and "New sign-up" in notice.text
    return student, notice


def later(bot: LocalBot, minutes: float) -> None:
    """The storage clock moves ``minutes`` on."""
    assert bot.app is not None
    store = services_of(bot.app).storage
    moved = store.now() + timedelta(minutes=minutes)
    store.database.clock = lambda: moved


async def test_a_reply_to_another_student_ends_the_pending_reply(local: LocalBot) -> None:
    cara, cara_notice = await notice_of(local, 2001, "Cara")
    dan, dan_notice = await notice_of(local, 2002, "Dan")
    li = coordinator(local)
    cara_seen = len(cara.messages)

    await local.feed(group(local).make_press(li, "✍️ Reply to student", cara_notice.message_id))
    prompt = group(local).messages[-1]
    assert "your next message in this chat goes to Cara" in prompt.text
    assert "10 minutes" in prompt.text and prompt.button_labels == ["✖️ Cancel"]

    await say(local, li, "See you on Monday, Dan.", dan_notice)  # a Telegram reply to Dan's
    assert "See you on Monday, Dan." in dan.last.text
    await say(local, li, "lunch at noon?")  # ordinary chatter in the group
    assert len(cara.messages) == cara_seen, "nothing reaches Cara"
    assert all("lunch" not in m.text for m in dan.messages)


async def test_the_pending_reply_expires_also_across_a_restart(local: LocalBot) -> None:
    cara, notice = await notice_of(local, 2001, "Cara")
    li = coordinator(local)
    seen = len(cara.messages)
    await local.feed(group(local).make_press(li, "✍️ Reply to student", notice.message_id))
    later(local, 11)
    await say(local, li, "lunch at noon?")
    assert len(cara.messages) == seen

    await local.feed(group(local).make_press(li, "✍️ Reply to student", notice.message_id))
    await local.restart()
    later(local, 9)
    await say(local, li, "Welcome, Cara!")  # unexpired, after a restart: delivered
    assert "Welcome, Cara!" in cara.last.text
    await say(local, li, "lunch at noon?")  # used once: the next message stays in the group
    assert all("lunch" not in m.text for m in cara.messages)

    await local.feed(group(local).make_press(li, "✍️ Reply to student", notice.message_id))
    await local.restart()
    later(local, 9 + 11)  # the press was at +9 minutes (the clock moved before the restart)
    seen = len(cara.messages)
    await say(local, li, "lunch at noon?")
    assert len(cara.messages) == seen, "an expired reply does not survive a restart"


async def test_cancel_is_the_pressing_coordinators_own(local: LocalBot) -> None:
    cara, notice = await notice_of(local, 2001, "Cara")
    li, marc = coordinator(local), coordinator(local, SECOND, "Marc")
    seen = len(cara.messages)
    await local.feed(group(local).make_press(li, "✍️ Reply to student", notice.message_id))
    prompt = group(local).messages[-1]

    await local.feed(group(local).make_press(marc, "✖️ Cancel", prompt.message_id))
    assert marc.answers[-1].text == "That button is no longer valid."
    assert services_of(local.app).storage.pending_reply(GROUP, COORDINATOR) is not None  # type: ignore[arg-type]

    await local.feed(group(local).make_press(li, "✖️ Cancel", prompt.message_id))
    assert group(local).messages[-1].text == "OK, nothing was sent."
    await say(local, li, "lunch at noon?")
    assert len(cara.messages) == seen
    press = group(local).make_press(li, "✅ Contacted", notice.message_id)
    await forge(local, press, "1|ln:cancel_reply")  # on another message: not its prompt
    assert li.answers[-1].text == "That button is no longer valid."
