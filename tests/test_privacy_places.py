"""Every place a student's data can live, checked after /forget and after the retention purge
(issue 23). ``PLACES`` names each table of the schema with what happens to a student's rows;
a table added to the schema without being listed here fails the test, so that it is thought
about. Files in the data directory (the database and its WAL, learned-examples.yaml, the
caches) and the log are searched for the student's id, name, e-mail and words."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Storage
from bot.telegram import retention
from bot.telegram.announcer import announcer_of
from bot.telegram.context import BotContext, services_of
from telegram_emulator import SimUser
from tests.auxil.coordinators import COORDINATOR, GROUP, coordinator, group
from tests.auxil.harness import LocalBot, start
from tests.auxil.signup import Student, sign_up

pytestmark = pytest.mark.asyncio

STUDENT = 987654321
NAME, EMAIL, WORDS = "Zoë Quartzwell", "zoe.quartzwell@example.org", "quokka"
MARKERS = (str(STUDENT), "Quartzwell", EMAIL, WORDS)
RETENTION_DAYS = 30

# table -> (the student's rows gone after /forget?, after retention?, why, if kept)
PLACES: dict[str, tuple[bool, bool, str]] = {
    "user_settings": (True, False, "the chosen language, needed while the student writes"),
    "leads": (True, True, ""),
    "questions": (True, True, ""),
    "user_data": (True, False, "an unfinished form: until /forget"),
    "chat_data": (True, False, "as user_data"),
    "bot_data": (True, True, "nothing of a student is stored there"),
    "conversations": (True, False, "the state of an unfinished form: until /forget"),
    "digests": (True, True, "counts and dates only"),
    "digest_deliveries": (True, True, "coordinators' chats only"),
    "review_groups": (True, True, "entry ids only"),
    "review_group_questions": (True, True, "deleted with their questions"),
    "handoffs": (True, True, "closed ones; an open one stays open"),
    "coordinator_messages": (True, True, ""),
    "lead_notices": (True, True, ""),
    "pending_replies": (True, True, ""),
    "announcements": (True, True, "the coordinators' texts only"),
    "announcement_recipients": (True, True, "deleted with the lead"),
    "announcement_optouts": (True, False, "a /stop is honoured as long as the bot runs"),
    "inbox": (True, True, "payloads are dropped once handled"),
    "relay_outbox": (True, True, "a sent row keeps no text, name or user id"),
}


@pytest_asyncio.fixture
async def bot(tmp_path: Path) -> AsyncIterator[LocalBot]:
    local = LocalBot(
        tmp_path / "data",
        coordinator_ids=frozenset({COORDINATOR}),
        coordinator_chat_id=GROUP,
        retention_days=RETENTION_DAYS,
    )
    local.emulator.add_group(GROUP, "CQMU coordinators")
    running = await start(local)
    try:
        yield running
    finally:
        await running.stop()


def storage(bot: LocalBot) -> Storage:
    assert bot.app is not None
    result: Storage = services_of(bot.app).storage
    return result


def tables(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the database with all its rows."""
    with sqlite3.connect(database) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {name: connection.execute(f"SELECT * FROM {name}").fetchall() for name in names}


def production_log_levels(caplog: pytest.LogCaptureFixture) -> None:
    """Everything the bot logs even at BOT_LOG_LEVEL=DEBUG (libraries stay at INFO, as
    ``configure_logging`` sets them: their debug lines carry whole requests)."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")


def holding_the_student(text: str) -> list[str]:
    folded = text.casefold()  # once: the data dir's files are megabytes (the matcher cache)
    return [marker for marker in MARKERS if marker.casefold() in folded]


async def leave_data_everywhere(bot: LocalBot) -> SimUser:
    """The student signs up, asks, talks to the coordinators, gets an announcement and stops
    them; a coordinator presses Reply to student and learns the student's question."""
    student = bot.user(STUDENT, "en", NAME)
    await bot.send(student, "/language")
    await bot.press(student, "1|lang:en")
    await sign_up(bot, student, Student(STUDENT, name=NAME, email=EMAIL, message=f"{WORDS} lab"))
    notice = group(bot).messages[-1]
    li = coordinator(bot)
    await bot.feed(group(bot).make_press(li, "✍️ Reply to student", notice.message_id))
    await bot.send(student, f"My name is {NAME}: is there a {WORDS} swimming pool on campus?")
    await bot.send(student, "/menu")
    await bot.press(student, "1|coordinator")
    await bot.send(student, f"A {WORDS} question for you")
    me = bot.user(COORDINATOR, "en", "Li Coord")
    await bot.send(me, "/announce")
    await bot.send(me, "Open day on Friday")
    await bot.press(me, "1|ann:send")
    assert bot.app is not None
    await announcer_of(bot.app).wait()
    await bot.send(student, "/stop")
    await bot.send(me, "/unanswered")
    add = next(b for b in me.last.button_labels if b.startswith("➕ Add as example of"))
    await bot.press(me, add)
    assert "1 phrasing added as an example of Housing" in me.last.text
    await storage(bot).questions.flush()
    return student


def check_files(data_dir: Path) -> None:
    """No file of the data directory holds the student's id, name, e-mail or words."""
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes().decode("utf-8", "replace")
        assert holding_the_student(content) == [], path.name


async def test_the_places_are_the_schemas_tables(tmp_path: Path) -> None:
    store = await Storage.open(tmp_path / "bot.sqlite3")
    await store.close()
    assert set(tables(tmp_path / "bot.sqlite3")) == set(PLACES), (
        "a table was added or removed: say in PLACES what happens to a student's rows in it "
        "after /forget and after retention, and make it so"
    )


async def test_nothing_of_the_student_is_left_after_forget(
    bot: LocalBot, caplog: pytest.LogCaptureFixture
) -> None:
    production_log_levels(caplog)
    student = await leave_data_everywhere(bot)
    data_dir = bot.settings.data_dir
    before = tables(data_dir / "bot.sqlite3")
    for table in ("leads", "questions", "handoffs", "pending_replies", "announcement_optouts"):
        assert holding_the_student(repr(before[table])), f"the scenario leaves nothing in {table}"
    learned = (data_dir / "learned-examples.yaml").read_text(encoding="utf-8")
    assert WORDS in learned and str(STUDENT) not in learned

    await bot.send(student, "/forget")
    await bot.press(student, "1|forget:yes")
    assert "Done" in student.last.text
    after = tables(data_dir / "bot.sqlite3")
    for table, rows in after.items():
        assert PLACES[table][0], table
        assert holding_the_student(repr(rows)) == [], table
    check_files(data_dir)
    assert holding_the_student("\n".join(r.getMessage() for r in caplog.records)) == []
    assistant = services_of(bot.app).content.assistant  # type: ignore[arg-type]
    examples = [p for e in assistant.kb.entries.values() for ps in e.examples.values() for p in ps]
    assert not any(WORDS in p for p in examples), "the bot no longer uses the student's words"


async def test_retention_purges_questions_and_what_was_learned_from_them(
    bot: LocalBot, caplog: pytest.LogCaptureFixture
) -> None:
    production_log_levels(caplog)
    student = await leave_data_everywhere(bot)
    await bot.send(student, "/cancel")  # the conversation with the coordinators is closed
    store = storage(bot)
    later = store.now() + timedelta(days=RETENTION_DAYS + 1)
    store.database.clock = lambda: later
    assert bot.app is not None
    await retention.purge(BotContext(bot.app))

    after = tables(bot.settings.data_dir / "bot.sqlite3")
    for table, rows in after.items():
        if PLACES[table][1]:
            assert holding_the_student(repr(rows)) == [], table
    assert after["questions"] == [], "every question was older than the retention"
    learned = (bot.settings.data_dir / "learned-examples.yaml").read_text(encoding="utf-8")
    assert WORDS not in learned and "Quartzwell" not in learned
    assert holding_the_student("\n".join(r.getMessage() for r in caplog.records)) == []
