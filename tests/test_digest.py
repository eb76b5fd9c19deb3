"""The coordinators' digest: its windows in storage, its text, its schedule and delivery
(in process; the HTTP end-to-end runs are in test_coordinator_reports.py)."""

from __future__ import annotations

import html
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import pytest_asyncio

from bot.reports.digest import render_digest
from bot.settings import Settings, SettingsError
from bot.storage import Lead, Storage
from bot.storage.digests import most_frequent
from bot.telegram import digest_job
from bot.telegram.context import services_of
from bot.telegram_rules import split_lines, utf16_len
from bot.understanding.answers import Assistant
from telegram_emulator import SimGroup
from tests.auxil.harness import BotSpec, LocalBot

pytestmark = pytest.mark.asyncio

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
COORDINATOR = 900
GROUP = -100_500


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)


def lead(user_id: int, name: str = "Ana Lopez", **fields: object) -> Lead:
    values: dict[str, object] = {
        "user_id": user_id,
        "name": name,
        "email": f"s{user_id}@example.org",
        "university": "Universidad de Chile",
        "country": "Chile",
        "level": "phd",
        "interests": ("pediatrics", "neurology"),
        "language": "en",
        "consent_at": START,
    }
    values.update(fields)
    return Lead(**values)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[Storage, Clock]]:
    clock = Clock()
    storage = await Storage.open(tmp_path / "bot.sqlite3", clock=clock)
    try:
        yield storage, clock
    finally:
        await storage.close()


# --------------------------------------------------------------------------- storage


async def test_each_lead_is_in_exactly_one_scheduled_digest(
    store: tuple[Storage, Clock],
) -> None:
    storage, clock = store
    await storage.upsert_lead(lead(1))
    clock.tick()
    first = await storage.open_digest()
    assert first is not None and first.number == 1 and first.since is None and first.pending
    assert await storage.pending_digest() == first
    assert await storage.digest_watermark() == first.until
    clock.tick()
    await storage.upsert_lead(lead(2))
    clock.tick()
    await storage.upsert_lead(lead(1, name="Ana María Lopez"))  # signed up again: updated
    clock.tick()
    second = await storage.open_digest()
    assert second is not None and second.number == 2 and second.since == first.until
    first_data = await storage.digest_data(first.since, first.until)
    second_data = await storage.digest_data(second.since, second.until)
    assert [x.user_id for x in first_data.leads] == []  # lead 1 moved on: it was updated
    assert [(x.user_id, x.status) for x in second_data.leads] == [(2, "new"), (1, "updated")]
    clock.tick()
    assert await storage.open_digest() is None  # nothing new: skipped, but recorded
    skipped = await storage.last_digest()
    assert skipped is not None and skipped.skipped and not skipped.pending
    clock.tick()
    empty = await storage.open_digest(send_empty=True)
    assert empty is not None and empty.number == 3  # skipped ones are not numbered


async def test_delivery_is_recorded_part_by_part(store: tuple[Storage, Clock]) -> None:
    storage, _ = store
    await storage.upsert_lead(lead(1))
    digest = await storage.open_digest()
    assert digest is not None
    await storage.record_digest_delivery(digest.id, COORDINATOR, 1)
    pending = await storage.pending_digest()
    assert pending is not None and pending.parts_sent == {COORDINATOR: 1} and not pending.done
    await storage.record_digest_delivery(digest.id, COORDINATOR, 2, done=True)
    await storage.close_digest(digest.id)
    assert await storage.pending_digest() is None
    last = await storage.last_digest()
    assert last is not None and last.done == {COORDINATOR} and last.sent_at is not None


async def test_unanswered_questions_of_the_window_and_the_most_frequent(
    store: tuple[Storage, Clock],
) -> None:
    storage, clock = store
    await storage.log_question(5, "en", "old question", None, None)
    clock.tick()
    assert await storage.open_digest() is not None  # the question alone makes a digest
    clock.tick()
    for text in ("Is there a gym?", "is there  a GYM?", "Parking?", "Parking?", "visa?"):
        await storage.log_question(5, "en", text, None, 0.1)
    await storage.log_question(5, "en", "fees", "fees", 0.9)  # answered
    data = await storage.digest_data(await storage.digest_watermark())
    assert data.unanswered == 5
    assert data.top_questions == [("Is there a gym?", 2), ("Parking?", 2), ("visa?", 1)]


async def test_most_frequent_keeps_the_first_spelling() -> None:
    assert most_frequent(["A b", "a  B", "c"], 1) == [("A b", 2)]


async def test_a_forgotten_student_is_in_no_later_digest(store: tuple[Storage, Clock]) -> None:
    storage, _ = store
    await storage.upsert_lead(lead(1))
    await storage.upsert_lead(lead(2))
    await storage.forget_user(1)
    data = await storage.digest_data(None)
    assert [x.user_id for x in data.leads] == [2]


# --------------------------------------------------------------------------- the text


async def test_leads_are_grouped_by_area_and_counted_once(
    store: tuple[Storage, Clock], assistant: Assistant
) -> None:
    storage, _ = store
    await storage.upsert_lead(lead(1, name='<a href="x">click</a>'))
    await storage.upsert_lead(lead(2, name="张伟", language="zh", interests=("neurology",)))
    await storage.upsert_lead(lead(3, name="Élodie", language="fr", level="masters", interests=()))
    await storage.set_lead_status(3, "contacted", by=COORDINATOR)
    data = await storage.digest_data(None)
    text = "\n".join(
        render_digest(data, kb=assistant.kb, texts=assistant.texts, lang="en", zone=SHANGHAI)
    )
    kb, t = assistant.kb, assistant.texts
    assert t.get("digest_totals", "en", leads=3, new=2, updated=1) in text
    assert t.get("digest_not_contacted", "en", here=2, total=2) in text
    assert "By language: English 1 · 中文 1 · Français 1" in text
    assert "By level: PhD student 2 · Master&#x27;s student 1" in text
    neurology = t.get("digest_area", "en", area=kb.title("neurology", "en"), count=2)
    pediatrics = t.get("digest_area", "en", area=kb.title("pediatrics", "en"), count=1)
    not_sure = t.get("digest_area", "en", area="Not sure yet", count=1)
    assert text.index(neurology) < text.index(pediatrics) < text.index(not_sure)
    assert text.count(html.escape('<a href="x">click</a>')) == 2  # under each of its areas
    assert '<a href="x">' not in text
    assert "Élodie" in text.split(not_sure)[1] and "✅ contacted" in text
    assert "from the start to 2026-03-02 09:00" in text  # local time
    assert t.get("digest_no_questions", "en") in text


async def test_a_long_digest_is_split_under_telegrams_limit(
    store: tuple[Storage, Clock], assistant: Assistant
) -> None:
    storage, _ = store
    for n in range(1, 151):
        await storage.upsert_lead(lead(n, name=f"Étudiant·e numéro {n} 学生"))
    data = await storage.digest_data(None)
    parts = render_digest(data, kb=assistant.kb, texts=assistant.texts, lang="fr", zone=SHANGHAI)
    assert len(parts) > 1
    assert all(utf16_len(part) <= 4096 for part in parts)
    lines = "\n".join(parts).splitlines()
    assert sum(line.startswith("• ") for line in lines) == 300  # two areas each
    assert all(part.count("<b>") == part.count("</b>") for part in parts)


async def test_split_lines_keeps_lines_whole() -> None:
    parts = split_lines(["a" * 10, "b" * 10, "", "c" * 10], limit=21)
    assert parts == ["a" * 10 + "\n" + "b" * 10, "c" * 10]


# --------------------------------------------------------------------------- settings


async def test_digest_settings() -> None:
    base = {"BOT_COORDINATOR_IDS": "1"}
    default = Settings.from_env(base)
    assert (default.digest_time, default.digest_empty) == (time(9, 0), False)
    custom = Settings.from_env({**base, "BOT_DIGEST_TIME": "7:30", "BOT_DIGEST_EMPTY": "on"})
    assert (custom.digest_time, custom.digest_empty) == (time(7, 30), True)
    for bad in ("25:00", "9h", "09:60", "09:5", "noon"):
        with pytest.raises(SettingsError) as error:
            Settings.from_env({**base, "BOT_DIGEST_TIME": bad})
        assert str(error.value) == (
            f"BOT_DIGEST_TIME must be a time of day as HH:MM (24-hour clock), not {bad!r}"
        )
    with pytest.raises(SettingsError, match="BOT_DIGEST_EMPTY must be on or off"):
        Settings.from_env({**base, "BOT_DIGEST_EMPTY": "maybe"})


async def test_the_last_due_time() -> None:
    at = time(9, 0)
    assert digest_job.last_due(datetime(2026, 3, 2, 1, 30, tzinfo=UTC), at, SHANGHAI) == datetime(
        2026, 3, 2, 9, 0, tzinfo=SHANGHAI
    )
    assert digest_job.last_due(datetime(2026, 3, 2, 0, 30, tzinfo=UTC), at, SHANGHAI) == datetime(
        2026, 3, 1, 9, 0, tzinfo=SHANGHAI
    )


# --------------------------------------------------------------------------- the job


@pytest.fixture
def transport() -> str:
    """In process: its JobQueue does not run (tests call the job directly)."""
    return "in-process"


@pytest.fixture
def bot_spec() -> BotSpec:
    return BotSpec(settings={"coordinator_ids": frozenset({COORDINATOR})})


def storage_of(bot: LocalBot) -> Storage:
    assert bot.app is not None
    result: Storage = services_of(bot.app).storage
    return result


async def test_the_scheduled_digest_goes_to_the_coordinators_once(bot: LocalBot) -> None:
    coordinator = bot.user(COORDINATOR, "fr", "Claire")
    await bot.send(coordinator, "/start")
    await storage_of(bot).set_language(COORDINATOR, "fr")  # chosen with /language
    await storage_of(bot).upsert_lead(lead(2001, name="张伟", language="zh"))
    before = len(coordinator.messages)
    assert bot.app is not None
    assert await digest_job.run_scheduled(bot.app)
    digest = coordinator.messages[before:]
    assert len(digest) == 1
    assert "Récapitulatif quotidien n° 1" in digest[0].html and "张伟" in digest[0].html
    assert await digest_job.run_scheduled(bot.app)  # nothing new since: nothing sent
    assert len(coordinator.messages) == before + 1
    await bot.restart()
    await digest_job.catch_up(bot.app)
    assert len(coordinator.messages) == before + 1


async def test_an_empty_digest_only_when_asked(tmp_path: Path) -> None:
    bot = LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR}), digest_empty=True)
    async with bot:
        coordinator = bot.user(COORDINATOR, "en", "Claire")
        assert bot.app is not None
        assert await digest_job.run_scheduled(bot.app)
        assert coordinator.last.html.startswith("📋 <b>Daily digest #1</b>")
        assert "No new or updated leads." in coordinator.last.html


async def test_a_digest_cut_short_by_a_crash_is_finished_not_repeated(bot: LocalBot) -> None:
    """As if the process was killed after Telegram accepted part 1 and it was recorded."""
    coordinator = bot.user(COORDINATOR, "en", "Claire")
    storage = storage_of(bot)
    for n in range(1, 121):
        await storage.upsert_lead(lead(n, name=f"Student {n}"))
    digest = await storage.open_digest()
    assert digest is not None and bot.app is not None
    services = services_of(bot.app)
    parts = render_digest(
        await storage.digest_data(digest.since, digest.until),
        kb=services.content.assistant.kb,
        texts=services.content.texts,
        lang="en",
        zone=SHANGHAI,
        number=digest.number,
    )
    assert len(parts) >= 2
    await storage.record_digest_delivery(digest.id, COORDINATOR, 1)
    await bot.restart()
    assert bot.app is not None
    await digest_job.catch_up(bot.app)
    received = coordinator.messages
    assert [m.html for m in received] == parts[1:]  # part 1 was not sent again
    assert await storage_of(bot).pending_digest() is None
    await digest_job.catch_up(bot.app)
    await digest_job.run_scheduled(bot.app)
    assert len(coordinator.messages) == len(received)  # finished once, nothing new


async def test_the_digest_goes_to_the_coordinators_group(tmp_path: Path) -> None:
    bot = LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR}), coordinator_chat_id=GROUP)
    async with bot:
        group = bot.emulator.add_group(GROUP, "CQMU coordinators")
        coordinator = bot.user(COORDINATOR, "en", "Claire")
        await storage_of(bot).upsert_lead(lead(2001))
        assert bot.app is not None
        assert await digest_job.run_scheduled(bot.app)
        assert "Ana Lopez" in group.messages[-1].html
        assert coordinator.messages == []


# --------------------------------------------------------------------------- groups


async def say_in_group(bot: LocalBot, group: SimGroup, user_id: int, text: str) -> None:
    """``user_id`` joins the group and writes ``text`` there (a command: it reaches the bot)."""
    update = group.make_message(group.add_member(bot.emulator.users[user_id]), text)
    assert update is not None
    await bot.feed(update)


@pytest.mark.parametrize("command", ["/digest", "/leads", "/leads csv", "/leads 30 new"])
async def test_students_get_the_unknown_command_reply(tmp_path: Path, command: str) -> None:
    bot = LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR}), coordinator_chat_id=GROUP)
    async with bot:
        group = bot.emulator.add_group(GROUP, "CQMU coordinators")
        await storage_of(bot).upsert_lead(lead(2001, name="Secret Student"))
        student = bot.user(3001, "en", "Eve")
        bot.user(COORDINATOR, "en", "Claire")
        await bot.send(student, command)
        texts = services_of(bot.app).content.texts if bot.app else None
        assert texts is not None
        assert student.last.html == texts.get("unknown_command", "en")
        assert student.last.document is None
        await say_in_group(bot, group, 3001, command)  # in the coordinators' group: nothing
        assert group.messages == []
        await say_in_group(bot, group, COORDINATOR, command)  # the coordinator there: yes
        assert group.messages
        other = bot.emulator.add_group(-100_777)  # a coordinator in another group: nothing
        await say_in_group(bot, other, COORDINATOR, command)
        assert other.messages == []


@pytest.mark.parametrize("lang", ["zh", "fr"])
async def test_a_coordinator_reads_digest_and_export_in_their_language(
    bot: LocalBot, lang: str
) -> None:
    coordinator = bot.user(COORDINATOR, lang, "Claire")
    await storage_of(bot).upsert_lead(lead(2001, name="张伟 & <Élodie>"))
    await storage_of(bot).log_question(5, "en", "a & b <c>", None, None)
    assert bot.app is not None
    texts = services_of(bot.app).content.texts
    await bot.send(coordinator, "/digest")
    digest = coordinator.last.html  # accepted by the emulator: valid Telegram HTML
    assert digest.startswith(texts.get("digest_title_now", lang, since="x", until="y")[:6])
    assert "张伟 &amp; &lt;Élodie&gt;" in digest and "a &amp; b &lt;c&gt;" in digest
    await bot.send(coordinator, "/leads")
    document = coordinator.last.document
    assert document is not None
    sheet = openpyxl.load_workbook(io.BytesIO(document.data)).active
    assert sheet is not None and sheet.title == texts.get("leads_sheet_title", lang)
    assert sheet["A1"].value == texts.get("signup_field_name", lang)
    assert sheet["A2"].value == "张伟 & <Élodie>"
