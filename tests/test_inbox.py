"""The update inbox (issue 10): storage, retries of outbound calls, and the polling intake in
process — a malformed update is skipped without its content in the log, a redelivered update is
handled once, a Confirm handled again after a crash stores no second lead."""

from __future__ import annotations

import asyncio
import copy
import html
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.storage import Storage
from bot.storage.inbox import sender_of
from bot.telegram.context import DRAFT, services_of
from bot.telegram.delivery import interrupted, is_delivery_failure, with_retries
from tests.auxil.harness import HttpBot, LocalBot, start
from tests.auxil.signup import Student, answer_until_consent, texts

pytestmark = pytest.mark.asyncio

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(tmp_path / "bot.sqlite3", clock=Clock())
    yield storage
    await storage.close()


async def inbox_counts(storage: Storage) -> tuple[int, int]:
    """(pending, done) rows of the inbox."""
    rows = await storage.database.fetchall(
        "SELECT COUNT(*) - COUNT(done_at), COUNT(done_at) FROM inbox"
    )
    return int(rows[0][0]), int(rows[0][1])


def message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    chat = {"id": user_id, "type": "private"}
    sender = {"id": user_id, "is_bot": False, "first_name": "Léa"}
    body = {"message_id": update_id, "date": 1, "chat": chat, "from": sender, "text": text}
    return {"update_id": update_id, "message": body}


# --------------------------------------------------------------------------- storage


async def test_updates_are_stored_once_and_leave_with_their_payload(store: Storage) -> None:
    first = [message(10, 1, "hello"), message(11, 2, "bonjour")]
    assert await store.inbox_add(first) == first
    assert await store.inbox_add([message(11, 2, "bonjour"), message(12, 1, "again")]) == [
        message(12, 1, "again")
    ]
    assert [u["update_id"] for u in await store.inbox_pending()] == [10, 11, 12]
    await store.inbox_done([10, 12])
    assert [u["update_id"] for u in await store.inbox_pending()] == [11]
    assert await store.inbox_add([message(10, 1, "hello")]) == []  # done: a redelivery
    assert await inbox_counts(store) == (1, 2)


async def test_tombstones_hold_no_personal_data_and_are_pruned(
    store: Storage, tmp_path: Path
) -> None:
    await store.inbox_add([message(10, 1, "my name is Léa Dupont")])
    await store.inbox_done([10])
    rows = await store.database.fetchall("SELECT user_id, payload FROM inbox")
    assert rows == [(None, None)]
    assert await store.inbox_prune(timedelta(hours=24)) == 0
    store.database.clock.now = T0 + timedelta(hours=25)  # type: ignore[attr-defined]
    assert await store.inbox_prune(timedelta(hours=24)) == 1
    assert await inbox_counts(store) == (0, 0)


async def test_forget_deletes_the_students_pending_updates(store: Storage) -> None:
    await store.inbox_add([message(10, 1, "Léa's question"), message(11, 2, "other")])
    await store.forget_user(1)
    assert [u["update_id"] for u in await store.inbox_pending()] == [11]


async def test_a_question_is_logged_once_per_update_with_its_done_mark(store: Storage) -> None:
    await store.inbox_add([message(10, 1, "fees?")])
    for _ in range(2):  # handled twice (a crash before the done mark)
        await store.log_question(1, "en", "fees?", "fees", 0.9, update_id=10)
    await store.inbox_done([10])
    await store.log_question(1, "en", "fees?", "fees", 0.9, update_id=10)
    await store.questions.flush()
    assert await store.database.fetchall("SELECT text FROM questions") == [("fees?",)]


async def test_the_sender_is_read_from_the_raw_update() -> None:
    assert sender_of(message(1, 42, "x")) == 42
    press = {"update_id": 2, "callback_query": {"id": "1", "from": {"id": 7}, "data": "x"}}
    assert sender_of(press) == 7
    assert sender_of({"update_id": 3, "poll": {"id": "1"}}) is None


# --------------------------------------------------------------------------- retries


class Calls:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0
        self.slept: list[float] = []

    async def __call__(self) -> str:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return "sent"

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_transient_errors_are_retried_with_backoff() -> None:
    calls = Calls(RetryAfter(3), NetworkError("Bad Gateway"), TimedOut(), NetworkError("x"))
    assert await with_retries("sendMessage", calls, sleep=calls.sleep) == "sent"
    assert calls.count == 5
    assert calls.slept == [3.1, 0.5, 1.0, 2.0]


@pytest.mark.parametrize("error", [BadRequest("Message is too long"), Forbidden("blocked")])
async def test_permanent_errors_are_not_retried(error: Exception) -> None:
    calls = Calls(error)
    with pytest.raises(type(error)):
        await with_retries("sendMessage", calls, sleep=calls.sleep)
    assert calls.count == 1


async def test_retries_give_up_after_the_budget() -> None:
    now = [0.0]
    calls = Calls(*(NetworkError("Bad Gateway") for _ in range(100)))

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(NetworkError) as raised:
        await with_retries("sendMessage", calls, sleep=sleep, clock=lambda: now[0])
    assert 500 < now[0] <= 600
    assert is_delivery_failure(raised.value) and is_delivery_failure(Forbidden("x"))
    assert not is_delivery_failure(NetworkError("Bad Gateway")), "not retried: apologise"
    assert not is_delivery_failure(BadRequest("x")) and not is_delivery_failure(ValueError())


# --------------------------------------------------------------------------- intake


@pytest_asyncio.fixture
async def http_bot(tmp_path: Path) -> AsyncIterator[HttpBot]:
    bot = await start(HttpBot(tmp_path))
    assert isinstance(bot, HttpBot)
    try:
        yield bot
    finally:
        await bot.__aexit__()


OLD_POLL = {  # a poll in an older Bot API shape (options without voter_count)
    "id": "5",
    "question": "Which programme suits Léa Dupont?",
    "options": [{"text": "Secret option"}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


async def test_a_malformed_update_is_skipped_and_polling_goes_on(
    http_bot: HttpBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # as configure_logging leaves the libraries
    caplog.set_level(logging.DEBUG, logger="bot")
    student = http_bot.user(3001, name="Léa")
    bad = http_bot.emulator.updates.new_update("poll", OLD_POLL)
    http_bot.emulator.enqueue(bad)
    await http_bot.send(student, "what are the fees?")
    assert "waived" in student.last.text
    log = caplog.text
    assert f"update {bad['update_id']} dropped" in log and "TypeError" in log
    assert "Léa" not in log and "Secret" not in log and "suits" not in log
    for _ in range(100):  # confirmed by the next getUpdates: Telegram forgets it
        if not http_bot.emulator.updates.pending:
            break
        await asyncio.sleep(0.05)
    assert http_bot.emulator.updates.pending == []
    storage = services_of(http_bot.app).storage  # type: ignore[arg-type]
    assert await inbox_counts(storage) == (0, 2)


async def test_a_redelivered_update_is_handled_once(http_bot: HttpBot) -> None:
    student = http_bot.user(3002)
    update = student.make_message("what are the fees?")
    await http_bot.feed(update)
    http_bot.emulator.enqueue(copy.deepcopy(update))  # Telegram delivers it again
    await http_bot.send(student, "how long is the stay?")
    answers = [m.text for m in student.messages]
    assert sum("waived" in text for text in answers) == 1
    storage = services_of(http_bot.app).storage  # type: ignore[arg-type]
    assert len((await storage.user_report(3002))["questions"]) == 2


async def test_a_confirm_handled_again_after_a_crash_stores_one_lead(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        user = bot.user(3003)
        await answer_until_consent(bot, user, Student(3003))
        await bot.press(user, texts(bot).get("signup_consent_yes", "en"))
        assert bot.app is not None
        before = copy.deepcopy(bot.app.user_data[user.id][DRAFT])  # as persisted at the summary
        confirm = user.make_press(texts(bot).get("signup_button_confirm", "en"))
        await bot.feed(confirm)
        storage = services_of(bot.app).storage
        first = await storage.get_lead(user.id)
        # Killed after the lead's commit, before the closed draft was written: the draft is
        # back as it was, and Telegram delivers the same Confirm again.
        bot.app.user_data[user.id][DRAFT] = before
        await bot.feed(confirm)
        second = await storage.get_lead(user.id)
        assert first is not None and second == first  # not updated, status still "new"
        assert second.status == "new"
        thanks = texts(bot).get("signup_done", "en", name="Ana Lopez", email="ana.lopez@uchile.cl")
        assert [m.html for m in user.messages].count(thanks) == 2  # shown again, not "updated"
    finally:
        await bot.stop()


async def test_a_failing_call_is_not_retried_once_the_bot_stops() -> None:
    calls = Calls(TimedOut())
    with pytest.raises(TimedOut) as raised:
        await with_retries("sendMessage", calls, sleep=calls.sleep, stopping=lambda: True)
    assert interrupted(raised.value), "the update stays in the inbox for the next start"
    calls = Calls(TimedOut())
    with pytest.raises(TimedOut) as raised:
        await with_retries("answerCallbackQuery", calls, sleep=calls.sleep, stopping=lambda: True)
    assert not interrupted(raised.value) and is_delivery_failure(raised.value)
    assert calls.slept == []


async def test_an_area_press_handled_again_after_a_crash_shows_its_screen(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        user = bot.user(3004)
        t = texts(bot)
        await bot.send(user, "/signup")
        for value in ("Ana Lopez", "ana@uchile.cl", "Universidad de Chile", "Chile"):
            await bot.send(user, value)
        await bot.press(user, t.get("signup_level_phd", "en"))
        areas = user.last
        press = user.make_press(t.get("signup_interests_disciplines", "en"))
        assert bot.app is not None
        draft = bot.app.user_data[user.id][DRAFT]
        # Killed after the draft's commit (the press is in its seen ids), before the edit.
        draft["seen"].append(press["update_id"])
        draft["category"] = "disciplines"
        await bot.feed(press)  # handled again after the restart
        label = html.escape(t.get("signup_interests_disciplines", "en"))
        heading = t.get("signup_interests_category", "en", category=label)
        assert heading in user.chat.messages[areas.message_id].html, "the screen is shown"
    finally:
        await bot.stop()
