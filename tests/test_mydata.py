"""/mydata, /forget and the retention job, through the real application (LocalBot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import Lead, Storage
from bot.telegram.retention import JOB_NAME, purge_old_leads
from telegram_emulator import SimUser
from tests.auxil.harness import LocalBot, start
from tests.auxil.signup import (
    Student,
    draft_of,
    expected_lead,
    form,
    prompt,
    sign_up,
    storage,
    texts,
)

pytestmark = pytest.mark.asyncio


def database_bytes(bot: LocalBot) -> bytes:
    """The database file and its -wal/-shm companions, as they are on disk."""
    path = bot.settings.database_path
    parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


async def choose_language(bot: LocalBot, user: SimUser, code: str) -> None:
    await bot.send(user, "/language")
    await bot.press(user, f"1|lang:{code}")


# --------------------------------------------------------------------------- /mydata


async def test_mydata_with_nothing_stored(bot: LocalBot) -> None:
    user = bot.user(4001, "zh")
    await bot.send(user, "/mydata")
    assert user.last.html == texts(bot).get("mydata_nothing", "zh")


async def test_mydata_shows_everything_stored_in_the_students_language(bot: LocalBot) -> None:
    s = Student(4002, lang="fr", name="<Ana> & Co", email="ana@uchile.cl")
    user = bot.user(s.user_id, "en")
    await choose_language(bot, user, "fr")
    await sign_up(bot, user, s)
    await bot.send(user, "Quel est le prix ?")
    await bot.send(user, "/mydata")
    report = user.last.html
    t = texts(bot)
    assert report.startswith(t.get("mydata_title", "fr"))
    assert report.endswith(t.get("mydata_footer", "fr"))
    assert "&lt;Ana&gt; &amp; Co" in report and "ana@uchile.cl" in report
    for value in (s.university, s.country, t.get("signup_level_phd", "fr")):
        assert value in report
    assert form(bot).kb.items["pediatrics"].label("fr") in report
    assert form(bot).month_label(s.start_month, "fr") in report
    assert t.get("mydata_lead_language", "fr", language="Français") in report
    assert "Quel est le prix ?" in report
    assert t.get("mydata_questions", "fr", count=1) in report
    assert t.get("mydata_language", "fr", language="Français", date="").split("(")[0] in report
    assert bot.emulator.errors == []


async def test_mydata_shows_an_unfinished_form(bot: LocalBot) -> None:
    user = bot.user(4003)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    await bot.send(user, "/mydata")
    assert texts(bot).get("mydata_draft", "en") in user.last.html
    assert "Ana Lopez" in user.last.html
    await bot.send(user, "ana@uchile.cl")  # the form is still open after /mydata
    assert prompt(bot, "university") in user.last.html


async def test_a_long_report_is_split_into_several_messages(bot: LocalBot) -> None:
    user = bot.user(4004)
    for n in range(12):
        await storage(bot).log_question(4004, "en", f"question {n} " + "x" * 900, None, 0.1)
    await bot.send(user, "/mydata")
    reports = [m for m in user.messages if "question" in m.text]
    assert len(reports) >= 3 and all(len(m.text) <= 4096 for m in reports)
    assert all(f"question {n} " in "".join(m.text for m in reports) for n in range(12))
    assert bot.emulator.errors == []


# --------------------------------------------------------------------------- /forget


async def test_forget_asks_first_and_no_keeps_everything(bot: LocalBot) -> None:
    s = Student(4010)
    user = bot.user(s.user_id)
    await sign_up(bot, user, s)
    await bot.send(user, "/forget")
    t = texts(bot)
    assert user.last.html == t.get("forget_prompt", "en")
    assert user.last.button_labels == [
        t.get("forget_button_yes", "en"),
        t.get("forget_button_no", "en"),
    ]
    await bot.press(user, t.get("forget_button_no", "en"))
    assert user.last.html == t.get("forget_kept", "en")
    assert await storage(bot).get_lead(s.user_id) is not None


@pytest.mark.smoke
async def test_forget_deletes_everything_and_says_what(bot: LocalBot) -> None:
    s = Student(4011, name="Zelda Quixotic-Nakamura", email="zelda.q.nakamura@example.org")
    user = bot.user(s.user_id)
    other = Student(4012, name="Bob Other", email="bob@other.org")
    await sign_up(bot, bot.user(other.user_id), other)
    await choose_language(bot, user, "en")
    await sign_up(bot, user, s)
    await bot.send(user, "How much are the fees?")
    assert ("chat:4011", "") in bot.emulator.bot_commands  # set by /language
    assert s.email.encode() in database_bytes(bot)
    await bot.send(user, "/forget")
    await bot.press(user, texts(bot).get("forget_button_yes", "en"))
    t = texts(bot)
    expected = "\n".join(
        [
            t.get("forget_done", "en"),
            t.get("forget_item_lead", "en"),
            t.get("forget_item_settings", "en"),
            t.get("forget_item_questions", "en", count=1),
            t.get("forget_item_state", "en"),  # the conversation's focus (the question's)
        ]
    )
    assert user.last.html == expected
    report = await storage(bot).user_report(s.user_id)
    assert report["lead"] is None and report["settings"] is None and report["questions"] == []
    assert not report["has_saved_state"]
    assert bot.app is not None and s.user_id not in bot.app.user_data
    assert ("chat:4011", "") not in bot.emulator.bot_commands
    data = database_bytes(bot)
    assert s.name.encode() not in data and s.email.encode() not in data
    assert await storage(bot).get_lead(other.user_id) is not None  # only this student's data
    await start(bot)  # nothing comes back after a restart either
    assert await storage(bot).get_lead(s.user_id) is None
    data = database_bytes(bot)
    assert s.name.encode() not in data and s.email.encode() not in data
    assert bot.emulator.errors == []


async def test_forget_in_the_middle_of_a_form_ends_it(bot: LocalBot) -> None:
    user = bot.user(4013)
    await bot.send(user, "/signup")
    await bot.send(user, "Zelda Quixotic-Nakamura")
    await bot.send(user, "/forget")
    await bot.press(user, texts(bot).get("forget_button_yes", "en"))
    assert texts(bot).get("forget_item_state", "en") in user.last.html
    assert draft_of(bot, user) is None
    assert await storage(bot).load_conversations("signup") == {}
    await bot.send(user, "zelda@example.org")  # no longer an answer of the form
    assert prompt(bot, "university") not in user.last.html
    assert b"Zelda Quixotic" not in database_bytes(bot)
    await bot.send(user, "/signup")  # a new form starts from the beginning
    assert prompt(bot, "name") in user.last.html


async def test_forget_with_nothing_stored(bot: LocalBot) -> None:
    user = bot.user(4014)
    await bot.send(user, "/forget")
    await bot.press(user, texts(bot).get("forget_button_yes", "en"))
    assert user.last.html == texts(bot).get("forget_nothing", "en")


# --------------------------------------------------------------------------- retention


async def test_the_retention_job_runs_daily_at_three(bot: LocalBot) -> None:
    assert bot.app is not None and bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(JOB_NAME)
    trigger = job.job.trigger
    assert str(trigger.timezone) == bot.settings.timezone == "Asia/Shanghai"
    fields = {f.name: str(f) for f in trigger.fields}
    assert (fields["hour"], fields["minute"], fields["second"]) == ("3", "0", "0")
    old, fresh = Student(4020), Student(4021)
    store = storage(bot)
    real_clock = store.database.clock
    store.database.clock = lambda: real_clock() - timedelta(days=400)
    await sign_up(bot, bot.user(old.user_id), old)
    store.database.clock = real_clock
    await sign_up(bot, bot.user(fresh.user_id), fresh)
    await job.run(bot.app)
    assert await store.get_lead(old.user_id) is None
    assert await store.get_lead(fresh.user_id) is not None


async def test_purge_old_leads_uses_the_retention_period(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "db.sqlite3") as store:
        for user_id in (1, 2):
            values = expected_lead(Student(user_id))
            values["interests"] = tuple(values["interests"])
            await store.upsert_lead(Lead(**values, consent_at=datetime.now(UTC)))
        now = datetime.now(UTC)
        assert await purge_old_leads(store, 30, now=now + timedelta(days=29)) == 0
        assert await purge_old_leads(store, 30, now=now + timedelta(days=31)) == 2
