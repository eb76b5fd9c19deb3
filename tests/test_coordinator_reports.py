"""Digests and exports end to end, as coordinators get them: the bot polling the emulator over
HTTP, students signing up through the real form, the JobQueue running the schedule."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import pytest_asyncio

from bot.reports.export import COLUMNS, Exporter
from bot.storage import Lead, Storage
from bot.storage.codec import iso
from bot.telegram.context import services_of
from bot.understanding.answers import Assistant
from telegram_emulator import SimUser
from tests.auxil.harness import BotSpec, HttpBot, LocalBot, start
from tests.auxil.signup import NEXT_YEAR, Student, sign_up

pytestmark = pytest.mark.asyncio

COORDINATOR = 900
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHINESE = Student(2001, lang="zh", name="张伟", university="四川大学", country="中国")
FRENCH = Student(
    2002,
    lang="fr",
    name="Élodie Hervé-Laß",
    university="Université de Strasbourg",
    areas=("neurology",),
)


def storage(bot: LocalBot) -> Storage:
    assert bot.app is not None
    result: Storage = services_of(bot.app).storage
    return result


def unknown_command(bot: LocalBot, lang: str = "en") -> str:
    assert bot.app is not None
    return services_of(bot.app).content.texts.get("unknown_command", lang)


@pytest.fixture
def transport() -> str:
    """Over HTTP only: the scheduled digest needs the application running."""
    return "http"


@pytest.fixture
def bot_spec() -> BotSpec:
    return BotSpec(settings={"coordinator_ids": frozenset({COORDINATOR})})


@pytest_asyncio.fixture
async def bot(bot: LocalBot) -> LocalBot:
    """The shared ``bot`` once the catch-up digest run at start has run."""
    await started_digests(bot)
    return bot


async def started_digests(bot: LocalBot) -> None:
    """Wait until the catch-up run at start has recorded its (empty) first digest."""
    for _ in range(500):
        if await storage(bot).last_digest() is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no digest run at start")


async def command(bot: LocalBot, user: SimUser, text: str) -> list[str]:
    """What the bot sent ``user`` in answer to ``text`` (HTML)."""
    before = len(user.messages)
    await bot.send(user, text)
    return [m.html for m in user.messages[before:]]


# --------------------------------------------------------------------------- on demand


async def test_signed_up_students_reach_digest_and_exports(bot: HttpBot) -> None:
    coordinator = bot.user(COORDINATOR, "en", "Claire")
    for s in (CHINESE, FRENCH):
        await sign_up(bot, bot.user(s.user_id, s.lang, s.name), s)
    # /digest lists them, without moving the scheduled digests' watermark.
    watermark = await storage(bot).digest_watermark()
    digest = "\n".join(await command(bot, coordinator, "/digest"))
    assert "Digest so far" in digest and "张伟" in digest and "Élodie Hervé-Laß" in digest
    assert "<b>Neurology</b> (2)" in digest and "<b>Pediatrics</b> (1)" in digest
    assert await storage(bot).digest_watermark() == watermark
    # /leads: an Excel workbook with their rows, Chinese and French intact.
    await bot.send(coordinator, "/leads")
    document = coordinator.last.document
    assert document is not None and document.file_name is not None
    assert document.file_name.endswith(".xlsx")
    assert coordinator.last.caption == "Leads: 2 (all)"
    book = openpyxl.load_workbook(io.BytesIO(document.data))
    sheet = book.active
    assert sheet is not None and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Name", "E-mail", "University") and "Status" in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    chinese = by_name["张伟"]
    assert chinese["University"] == "四川大学" and chinese["Language"] == "中文"
    assert chinese["Current level"] == "PhD student"
    assert chinese["Areas of interest"] == "Pediatrics; Neurology"
    assert isinstance(chinese["Signed up"], datetime)  # a real date, in the bot's zone
    assert abs(chinese["Signed up"] - datetime.now(SHANGHAI).replace(tzinfo=None)) < timedelta(
        minutes=5
    )
    assert chinese["Start"] == datetime(NEXT_YEAR, 3, 1)
    french = by_name["Élodie Hervé-Laß"]
    assert french["University"] == "Université de Strasbourg"
    assert french["Areas of interest"] == "Neurology"
    assert 2001 not in chinese.values() and "2001" not in map(str, chinese.values())
    # /leads csv: the same as CSV, UTF-8 with a byte-order mark.
    await bot.send(coordinator, "/leads csv")
    document = coordinator.last.document
    assert document is not None and document.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))
    assert table[0] == list(header)
    assert {row[0] for row in table[1:]} == {"张伟", "Élodie Hervé-Laß"}
    # Students get what any unknown command gets, and no file.
    student = bot.emulator.users[CHINESE.user_id]
    for text in ("/digest", "/leads", "/leads csv"):
        assert await command(bot, student, text) == [unknown_command(bot, "zh")]
    assert all(m.document is None for m in student.messages)


async def test_leads_arguments_combine(bot: HttpBot) -> None:
    coordinator = bot.user(COORDINATOR, "en", "Claire")
    now = datetime.now(SHANGHAI)
    for n, status in ((1, "new"), (2, "contacted"), (3, "not_relevant")):
        await storage(bot).upsert_lead(_lead(n, f"Student {n}"))
        if status != "new":
            await storage(bot).set_lead_status(n, status, by=COORDINATOR)
    # An old lead: as if last updated 40 days ago.
    await storage(bot).upsert_lead(_lead(4, "Old Student"))
    old = iso(now - timedelta(days=40))
    async with storage(bot).database.transaction() as db:
        await db.execute("UPDATE leads SET updated_at = ? WHERE user_id = 4", (old,))

    async def names(text: str) -> set[str]:
        await bot.send(coordinator, text)
        document = coordinator.last.document
        assert document is not None, coordinator.last.html
        if document.file_name and document.file_name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))[1:]
            return {row[0] for row in rows}
        sheet = openpyxl.load_workbook(io.BytesIO(document.data)).active
        assert sheet is not None
        return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}

    everyone = {"Student 1", "Student 2", "Student 3", "Old Student"}
    assert await names("/leads") == everyone
    assert await names("/leads 30") == everyone - {"Old Student"}
    assert await names("/leads new") == {"Student 1", "Old Student"}
    assert await names("/leads NEW csv 30") == {"Student 1"}
    assert coordinator.last.caption == "Leads: 1 (last 30 days, not contacted yet)"
    for bad in ("/leads pdf", "/leads 0", "/leads -3", "/leads 30 days"):
        replies = await command(bot, coordinator, bad)
        assert len(replies) == 1 and replies[0].startswith("<b>/leads</b> sends every lead")
    await storage(bot).forget_user(1)  # /forget: gone from exports
    assert "Student 1" not in await names("/leads")


def _lead(user_id: int, name: str) -> Lead:
    return Lead(
        user_id=user_id,
        name=name,
        email=f"s{user_id}@example.org",
        language="en",
        consent_at=datetime.now(SHANGHAI),
    )


async def test_forget_removes_a_student_from_exports_and_digests(bot: HttpBot) -> None:
    coordinator = bot.user(COORDINATOR, "en", "Claire")
    user = bot.user(FRENCH.user_id, "fr", FRENCH.name)
    await sign_up(bot, user, FRENCH)
    assert "Élodie" in "\n".join(await command(bot, coordinator, "/digest"))
    await bot.send(user, "/forget")
    assert bot.app is not None
    await bot.press(user, services_of(bot.app).content.texts.get("forget_button_yes", "fr"))
    assert "Élodie" not in "\n".join(await command(bot, coordinator, "/digest"))
    replies = await command(bot, coordinator, "/leads")
    assert replies == ["No leads match (all)."] and coordinator.last.document is None


async def test_a_name_is_never_a_formula(assistant: Assistant) -> None:
    exporter = Exporter(assistant.kb, assistant.texts, "en", SHANGHAI)
    evil = replace(_lead(1, '=HYPERLINK("http://x","click")'), university="+1-2")
    sheet = openpyxl.load_workbook(io.BytesIO(exporter.xlsx([evil]))).active
    assert sheet is not None
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","click")'
    row = list(csv.reader(io.StringIO(exporter.csv([evil]).decode("utf-8-sig"))))[1]
    assert row[0] == '\'=HYPERLINK("http://x","click")' and row[2] == "'+1-2"
    assert "user_id" not in COLUMNS


# --------------------------------------------------------------------------- on schedule


def soon(seconds: int) -> time:
    """The time of day ``seconds`` from now in the bot's zone, to the second."""
    return (datetime.now(SHANGHAI) + timedelta(seconds=seconds)).time().replace(microsecond=0)


async def digests(user: SimUser) -> list[str]:
    return [m.html for m in user.messages if "Daily digest" in m.html]


async def test_a_scheduled_digest_arrives_once_also_across_a_restart(bot: HttpBot) -> None:
    coordinator = bot.user(COORDINATOR, "en", "Claire")
    await sign_up(bot, bot.user(CHINESE.user_id, "zh", CHINESE.name), CHINESE)
    await bot.stop()
    bot.settings = replace(bot.settings, digest_time=soon(3))
    coordinator.mark()
    await start(bot)  # restarted with the digest due in a few seconds
    message = await coordinator.wait_for_message(timeout=15)
    assert "Daily digest #1" in message.html and "张伟" in message.html
    await start(bot)  # a restart after it does not repeat it
    await bot.send(coordinator, "/digest")  # (also lets the start-up catch-up finish)
    assert len(await digests(coordinator)) == 1
    assert "No new or updated leads." in coordinator.last.html  # the watermark moved
    assert await storage(bot).pending_digest() is None


async def test_a_digest_missed_while_the_bot_was_down_comes_at_start(bot: HttpBot) -> None:
    coordinator = bot.user(COORDINATOR, "en", "Claire")
    await sign_up(bot, bot.user(FRENCH.user_id, "fr", FRENCH.name), FRENCH)
    await bot.stop()
    # While the bot is down, the digest time passes.
    due = (datetime.now(SHANGHAI) - timedelta(milliseconds=10)).time()
    bot.settings = replace(bot.settings, digest_time=due)
    coordinator.mark()
    await start(bot)
    message = await coordinator.wait_for_message(timeout=15)
    assert "Daily digest #1" in message.html and "Élodie Hervé-Laß" in message.html
    await start(bot)  # and only once
    await bot.send(coordinator, "/start")
    assert len(await digests(coordinator)) == 1
