"""Tests of bot.storage: schema/migrations, file safety, leads, questions, privacy."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.storage import (
    SCHEMA_VERSION,
    DataNotJSONError,
    Lead,
    Migration,
    PendingReply,
    SchemaError,
    SchemaVersionError,
    SentMessage,
    Storage,
    StorageError,
)
from bot.storage import schema as storage_module
from bot.storage.codec import iso
from bot.storage.facade import StoreMethod

pytestmark = pytest.mark.asyncio

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def make_lead(user_id: int = 1, **changes: object) -> Lead:
    fields: dict[str, object] = {
        "user_id": user_id,
        "name": f"Student {user_id}",
        "email": f"student{user_id}@example.org",
        "university": "Université de Lyon",
        "country": "France",
        "level": "undergraduate",
        "interests": ("cardiology", "tcm"),
        "duration": "4 weeks",
        "start_month": "2025-09",
        "message": "Bonjour 你好",
        "language": "fr",
        "consent_at": T0,
    }
    fields.update(changes)
    return Lead(**fields)  # type: ignore[arg-type]


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to look at the file from outside Storage."""
    return sqlite3.connect(path)


def table_names(path: Path) -> set[str]:
    with raw(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def user_version(path: Path) -> int:
    conn = raw(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def store(db_path: Path, clock: FakeClock) -> AsyncIterator[Storage]:
    storage = await Storage.open(db_path, clock=clock, question_flush_interval=60)
    yield storage
    await storage.close()


# --------------------------------------------------------------------------- schema


async def test_open_creates_schema_and_settings(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        assert not storage.closed
        assert db_path.parent.is_dir()
    assert storage.closed
    assert user_version(db_path) == SCHEMA_VERSION
    assert {
        "user_settings",
        "leads",
        "questions",
        "user_data",
        "chat_data",
        "bot_data",
        "conversations",
    } <= table_names(db_path)
    conn = raw(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[1] for r in conn.execute("PRAGMA index_list(questions)")}
        assert "questions_asked_at" in indexes
    finally:
        conn.close()


async def test_reopen_keeps_data(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        await storage.set_language(7, "zh")
        await storage.upsert_lead(make_lead(7))
    async with await Storage.open(db_path) as storage:
        assert await storage.get_language(7) == "zh"
        lead = await storage.get_lead(7)
        assert lead is not None
        assert lead.name == "Student 7"


async def test_version_0_file_is_upgraded_in_place(db_path: Path) -> None:
    # An unversioned file from a prototype: a compatible table with a row, plus a foreign one.
    db_path.parent.mkdir(parents=True)
    conn = raw(db_path)
    conn.executescript(
        """
        CREATE TABLE user_settings (user_id INTEGER PRIMARY KEY, language TEXT NOT NULL,
                                    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        INSERT INTO user_settings VALUES (5, 'fr', '2024-01-01T00:00:00.000000+00:00',
                                          '2024-01-01T00:00:00.000000+00:00');
        CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
        INSERT INTO notes (body) VALUES ('keep me'), ('me too');
        """
    )
    conn.close()
    assert user_version(db_path) == 0

    async with await Storage.open(db_path) as storage:
        assert await storage.get_language(5) == "fr"
        assert await storage.upsert_lead(make_lead(5)) is False

    assert user_version(db_path) == SCHEMA_VERSION
    with raw(db_path) as conn:
        assert [r[0] for r in conn.execute("SELECT body FROM notes ORDER BY id")] == [
            "keep me",
            "me too",
        ]


async def test_incompatible_version_0_table_is_refused_and_left_alone(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = raw(db_path)
    conn.executescript(
        "CREATE TABLE leads (id INTEGER PRIMARY KEY, who TEXT);"
        "INSERT INTO leads (who) VALUES ('old lead');"
    )
    conn.close()
    with pytest.raises(SchemaError, match="leads"):
        await Storage.open(db_path)
    with raw(db_path) as conn:
        assert conn.execute("SELECT who FROM leads").fetchall() == [("old lead",)]


async def test_older_version_is_migrated_keeping_rows(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Storage.open(db_path) as storage:
        await storage.upsert_lead(make_lead(1))
        await storage.set_language(1, "en")
    assert user_version(db_path) == SCHEMA_VERSION

    extra = Migration(
        version=SCHEMA_VERSION + 1,
        description="add leads.phone",
        statements=(
            "ALTER TABLE leads ADD COLUMN phone TEXT",
            "UPDATE leads SET phone = 'unknown'",
        ),
    )
    monkeypatch.setattr(storage_module, "MIGRATIONS", (*storage_module.MIGRATIONS, extra))
    async with await Storage.open(db_path) as storage:
        lead = await storage.get_lead(1)
        assert lead is not None
        assert lead.email == "student1@example.org"
        assert await storage.get_language(1) == "en"
    assert user_version(db_path) == SCHEMA_VERSION + 1
    with raw(db_path) as conn:
        assert conn.execute("SELECT phone FROM leads").fetchall() == [("unknown",)]


async def test_failed_migration_is_rolled_back(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Storage.open(db_path) as storage:
        await storage.upsert_lead(make_lead(1))
    broken = Migration(
        version=SCHEMA_VERSION + 1,
        description="broken",
        statements=("ALTER TABLE leads ADD COLUMN phone TEXT", "THIS IS NOT SQL"),
    )
    monkeypatch.setattr(storage_module, "MIGRATIONS", (*storage_module.MIGRATIONS, broken))
    with pytest.raises(SchemaError, match="rolled back"):
        await Storage.open(db_path)
    assert user_version(db_path) == SCHEMA_VERSION
    with raw(db_path) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(leads)")}
        assert "phone" not in columns
        assert conn.execute("SELECT count(*) FROM leads").fetchone() == (1,)


async def test_newer_version_is_refused(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        await storage.set_language(1, "en")
    with raw(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaVersionError, match="newer"):
        await Storage.open(db_path)
    assert user_version(db_path) == SCHEMA_VERSION + 1
    with raw(db_path) as conn:
        assert conn.execute("SELECT language FROM user_settings").fetchall() == [("en",)]


# --------------------------------------------------------------------------- files


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("permissive_umask")
async def test_files_are_private(db_path: Path) -> None:
    storage = await Storage.open(db_path)
    try:
        await storage.set_language(1, "en")  # makes sure -wal and -shm exist
        for suffix in ("", "-wal", "-shm"):
            file = db_path.with_name(db_path.name + suffix)
            assert file.exists(), suffix
            assert mode(file) == 0o600, (suffix, oct(mode(file)))
    finally:
        await storage.close()
    assert mode(db_path) == 0o600


async def test_existing_world_readable_file_is_tightened(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    sqlite3.connect(db_path).close()
    db_path.chmod(0o644)
    async with await Storage.open(db_path):
        assert mode(db_path) == 0o600


# --------------------------------------------------------------------------- leads


async def test_upsert_insert_then_update_keeps_created_at(store: Storage, clock: FakeClock) -> None:
    assert await store.upsert_lead(make_lead(1)) is False
    first = await store.get_lead(1)
    assert first is not None
    assert first.created_at == T0
    assert first.updated_at == T0
    assert first.interests == ("cardiology", "tcm")
    assert first.consent_at == T0
    assert first.message == "Bonjour 你好"

    clock.advance(timedelta(days=2))
    assert await store.upsert_lead(make_lead(1, email="new@example.org", interests=())) is True
    second = await store.get_lead(1)
    assert second is not None
    assert second.email == "new@example.org"
    assert second.interests == ()
    assert second.created_at == T0
    assert second.updated_at == T0 + timedelta(days=2)
    assert await store.get_lead(2) is None


async def test_lead_status_new_contacted_then_updated_on_a_new_sign_up(
    store: Storage, clock: FakeClock
) -> None:
    await store.upsert_lead(make_lead(1))
    assert (await store.get_lead(1)).status == "new"  # type: ignore[union-attr]
    clock.advance(timedelta(hours=1))
    contacted = await store.set_lead_status(1, "contacted", by=777)
    assert contacted is not None and contacted.status == "contacted"
    assert contacted.status_by == 777 and contacted.status_at == T0 + timedelta(hours=1)
    await store.upsert_lead(make_lead(1, email="again@example.org"))
    again = await store.get_lead(1)
    assert again is not None and again.status == "updated" and again.status_by is None
    assert await store.set_lead_status(2, "contacted", by=777) is None
    with pytest.raises(ValueError):
        await store.set_lead_status(1, "hacked", by=777)


async def test_upsert_stores_values_as_given(store: Storage) -> None:
    tricky = make_lead(3, name="Robert'); DROP TABLE leads;--", message=None, university=None)
    await store.upsert_lead(tricky)
    lead = await store.get_lead(3)
    assert lead is not None
    assert lead.name == tricky.name
    assert lead.message is None
    assert lead.university is None


async def test_list_leads_since(store: Storage, clock: FakeClock) -> None:
    await store.upsert_lead(make_lead(1))
    clock.advance(timedelta(days=1))
    await store.upsert_lead(make_lead(2))
    clock.advance(timedelta(days=1))
    await store.upsert_lead(make_lead(3))
    assert [lead.user_id for lead in await store.list_leads()] == [1, 2, 3]
    since = T0 + timedelta(days=1)
    assert [lead.user_id for lead in await store.list_leads(since)] == [2, 3]
    # A naive datetime is taken as UTC.
    naive = since.replace(tzinfo=None)
    assert [lead.user_id for lead in await store.list_leads(naive)] == [2, 3]


async def test_purge_leads_by_updated_at(store: Storage, clock: FakeClock) -> None:
    await store.upsert_lead(make_lead(1))  # T0
    await store.upsert_lead(make_lead(2))  # T0, refreshed below
    clock.advance(timedelta(days=100))
    await store.upsert_lead(make_lead(2))
    await store.upsert_lead(make_lead(3))
    now = T0 + timedelta(days=120)
    assert await store.purge_leads(timedelta(days=90), now=now) == 1
    assert [lead.user_id for lead in await store.list_leads()] == [2, 3]
    assert await store.purge_leads(timedelta(days=90), now=now) == 0
    clock.advance(timedelta(days=365))
    assert await store.purge_leads(timedelta(days=90)) == 2
    assert await store.list_leads() == []


async def test_concurrent_upserts_are_all_stored(store: Storage) -> None:
    results = await asyncio.gather(*(store.upsert_lead(make_lead(i)) for i in range(50)))
    assert results == [False] * 50
    leads = await store.list_leads()
    assert sorted(lead.user_id for lead in leads) == list(range(50))
    # The same user from many coroutines: exactly one insert, the rest updates.
    results = await asyncio.gather(
        *(store.upsert_lead(make_lead(99, message=str(i))) for i in range(50))
    )
    assert results.count(False) == 1
    assert len(await store.list_leads()) == 51


# --------------------------------------------------------------------------- languages


async def test_language_cache(store: Storage, db_path: Path) -> None:
    assert await store.get_language(1) is None
    await store.set_language(1, "en")
    await store.set_language(1, "zh")
    assert await store.get_language(1) == "zh"
    # Committed when set_language returns: visible from another connection.
    with raw(db_path) as conn:
        assert conn.execute("SELECT language FROM user_settings WHERE user_id=1").fetchone() == (
            "zh",
        )
        # Reads are served from memory: a change made behind its back is not seen.
        conn.execute("UPDATE user_settings SET language='fr'")
    assert await store.get_language(1) == "zh"


# --------------------------------------------------------------------------- questions


def count_questions(path: Path) -> int:
    return len(stored_questions(path))


def stored_questions(path: Path, user_id: int | None = None) -> list[tuple[Any, ...]]:
    """(user_id, asked_at, text, intent, score) of the questions on disk, in the order logged."""
    conn = raw(path)
    try:
        rows = conn.execute(
            "SELECT user_id, asked_at, text, intent, score FROM questions ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return [row for row in rows if user_id is None or row[0] == user_id]


async def test_question_logging_is_buffered(store: Storage, db_path: Path) -> None:
    await store.log_question(1, "en", "is housing free?", None, 0.12)
    await store.log_question(1, "en", "what are the fees?", "fees", 0.93)
    await store.log_question(2, "zh", "签证怎么办", None, None)
    assert count_questions(db_path) == 0  # still in memory

    report = await store.user_report(1)  # reading flushes first
    assert [(q["text"], q["intent"], q["score"]) for q in report["questions"]] == [
        ("is housing free?", None, 0.12),
        ("what are the fees?", "fees", 0.93),
    ]
    assert stored_questions(db_path) == [
        (1, iso(T0), "is housing free?", None, 0.12),
        (1, iso(T0), "what are the fees?", "fees", 0.93),
        (2, iso(T0), "签证怎么办", None, None),
    ]


async def test_question_buffer_is_written_by_timer(db_path: Path) -> None:
    async with await Storage.open(db_path, question_flush_interval=0.05) as storage:
        for i in range(3):
            await storage.log_question(1, "en", f"q{i}", None, None)
        assert count_questions(db_path) == 0
        for _ in range(100):
            await asyncio.sleep(0.02)
            if count_questions(db_path) == 3:
                break
        assert count_questions(db_path) == 3


async def test_question_buffer_is_written_when_full(db_path: Path) -> None:
    async with await Storage.open(
        db_path, question_flush_interval=60, question_buffer_size=10
    ) as storage:
        for i in range(10):
            await storage.log_question(1, "en", f"q{i}", None, None)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if count_questions(db_path) == 10:
                break
        assert count_questions(db_path) == 10


async def test_close_writes_buffered_questions(db_path: Path) -> None:
    storage = await Storage.open(db_path, question_flush_interval=60)
    await storage.log_question(1, "en", "last words", None, None)
    await storage.close()
    assert count_questions(db_path) == 1
    await storage.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        await storage.log_question(1, "en", "too late", None, None)


async def test_purge_questions(store: Storage, clock: FakeClock) -> None:
    await store.log_question(1, "en", "old", None, None)
    clock.advance(timedelta(days=400))
    await store.log_question(1, "en", "new", None, None)
    assert await store.purge_questions(timedelta(days=365)) == 1
    assert [row[2] for row in stored_questions(store.path)] == ["new"]


# --------------------------------------------------------------------------- user/chat data


async def test_user_data_round_trip_and_skip_unchanged(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        data = {"draft": {"name": "Ann", "interests": ["tcm"]}, "n": 1, "ok": True, "x": None}
        assert await storage.save_user_data(1, data) is True
        assert await storage.save_user_data(1, dict(data)) is False  # unchanged: no write
        data["n"] = 2
        assert await storage.save_user_data(1, data) is True
        assert await storage.save_user_data(2, {}) is False  # empty and absent: nothing to do
        assert await storage.save_chat_data(1, {"last": "fees"}) is True
    async with await Storage.open(db_path) as storage:
        assert await storage.load_user_data() == {1: data}
        assert await storage.load_chat_data() == {1: {"last": "fees"}}
        loaded = await storage.load_user_data()
        loaded[1]["n"] = 3  # the caller mutating its copy must not fool the change check
        assert await storage.save_user_data(1, loaded[1]) is True
        assert await storage.save_user_data(1, {}) is True  # empty deletes the row
        assert await storage.load_user_data() == {}
        assert await storage.delete_chat_data(1) is True
        assert await storage.delete_chat_data(1) is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"when": datetime(2025, 1, 1)}, r"\['when'\] is of type datetime"),
        ({"ids": ("a", "b")}, "use a list"),
        ({"nested": {5: "x"}}, "key 5"),
        ({"score": float("nan")}, "JSON cannot store"),
        ({"s": {1, 2}}, "type set"),
    ],
)
async def test_non_json_data_is_rejected(
    store: Storage, value: dict[str, object], message: str
) -> None:
    with pytest.raises(DataNotJSONError, match=message):
        await store.save_user_data(1, value)
    with pytest.raises(TypeError):  # DataNotJSONError is a TypeError too
        await store.save_chat_data(1, value)
    assert await store.load_user_data() == {}


async def test_conversations(store: Storage) -> None:
    await store.save_conversation("signup", (1, 1), 2)
    await store.save_conversation("signup", (-100, 1), "ASK_EMAIL")
    await store.save_conversation("other", (1, 1), 5)
    assert await store.load_conversations("signup") == {(1, 1): 2, (-100, 1): "ASK_EMAIL"}
    await store.save_conversation("signup", (1, 1), 3)
    await store.save_conversation("signup", (-100, 1), None)
    assert await store.load_conversations("signup") == {(1, 1): 3}
    assert await store.load_conversations("nothing") == {}
    with pytest.raises(DataNotJSONError):
        await store.save_conversation("signup", (1, 1), object())


# --------------------------------------------------------------------------- privacy

NAME = "Zephyrina Quattlebaum"
EMAIL = "zq.unique-mailbox@example.org"


async def populate_user(storage: Storage, user_id: int, clock: FakeClock) -> None:
    await storage.set_language(user_id, "en")
    long_message = f"I am {NAME}, write to {EMAIL}. " * 300  # spills into overflow pages
    for i in range(5):  # several versions of the lead, each in the WAL
        await storage.upsert_lead(
            make_lead(user_id, name=NAME, email=EMAIL, message=long_message + str(i))
        )
        clock.advance(timedelta(seconds=1))
    for i in range(30):
        await storage.log_question(user_id, "en", f"my name is {NAME} ({EMAIL}) #{i}", None, 0.1)
    await storage.questions.flush()
    for step in ("name", "email", "country"):
        await storage.save_user_data(user_id, {"draft": {"name": NAME, "email": EMAIL, "s": step}})
    await storage.save_chat_data(user_id, {"last_question": f"contact {EMAIL}"})
    await storage.save_conversation("signup", (user_id, user_id), 3)
    await storage.save_conversation("signup", (-1001, user_id), 1)
    thread = await storage.start_thread(user_id, NAME, "en", "waiting")
    await storage.touch_thread(thread, student_message=True)
    notice = await storage.queue_notice(user_id, clock(), updated=False)
    await storage.mark_notice_sent(
        notice.id, [SentMessage(-100, 7, user_id, "en", None, notice.id)]
    )
    await storage.record_sent([SentMessage(-100, 8, user_id, "en", thread.id)])
    await storage.set_pending_reply(PendingReply(-100, 777, user_id, "en", 9))


def database_bytes(path: Path) -> bytes:
    blob = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            blob += file.read_bytes()
    return blob


async def test_user_report(store: Storage, clock: FakeClock) -> None:
    await populate_user(store, 1, clock)
    await store.log_question(1, "en", "unflushed", None, None)
    report = await store.user_report(1)
    assert report["user_id"] == 1
    assert report["settings"]["language"] == "en"
    assert report["lead"]["email"] == EMAIL
    assert report["lead"]["interests"] == ["cardiology", "tcm"]
    assert len(report["questions"]) == 31
    assert report["questions"][-1]["text"] == "unflushed"
    assert report["user_data"] == {"draft": {"name": NAME, "email": EMAIL, "s": "country"}}
    assert report["chat_data"] == {"last_question": f"contact {EMAIL}"}
    assert sorted(c["key"] for c in report["conversations"]) == [[-1001, 1], [1, 1]]
    assert report["has_saved_state"] is True

    empty = await store.user_report(2)
    assert empty["settings"] is None and empty["lead"] is None
    assert empty["questions"] == [] and empty["conversations"] == []
    assert empty["has_saved_state"] is False


async def test_forget_user_leaves_no_trace(db_path: Path, clock: FakeClock) -> None:
    storage = await Storage.open(db_path, clock=clock, question_flush_interval=60)
    try:
        await populate_user(storage, 1, clock)
        # Another user, who must be kept.
        await storage.set_language(2, "zh")
        await storage.upsert_lead(make_lead(2))
        await storage.log_question(2, "zh", "住宿", "housing", 0.9)
        await storage.save_user_data(2, {"k": "v"})
        await storage.save_conversation("signup", (2, 2), 1)
        await storage.log_question(1, "en", f"buffered {EMAIL}", None, None)
        # An announcement to both, and user 1 stopped them.
        await storage.create_announcement(
            "k", created_by=99, language="en", chat_id=99, texts={"all": "Open day"}
        )
        await storage.stop_announcements(1)

        blob = database_bytes(db_path)
        assert NAME.encode() in blob and EMAIL.encode() in blob  # the check can see them

        counts = await storage.forget_user(1)
        assert counts == {
            "lead": 1,
            "settings": 1,
            "questions": 31,
            "user_data": 1,
            "chat_data": 1,
            "conversations": 2,
            "handoffs": 1,
            "coordinator_messages": 2,
            "announcements": 2,  # one recipient row, the opt-out
        }
        assert storage.current_thread(1) is None and storage.pending_reply(-100, 777) is None
        assert await storage.sent_message(-100, 8) is None
        report = await storage.user_report(1)
        assert report["lead"] is None and report["settings"] is None
        assert report["questions"] == [] and report["conversations"] == []
        assert report["user_data"] is None and report["chat_data"] is None
        assert await storage.get_language(1) is None

        blob = database_bytes(db_path)  # while still open
        assert NAME.encode() not in blob
        assert EMAIL.encode() not in blob
        assert b"Zephyrina" not in blob and b"zq.unique-mailbox" not in blob

        # The other user is intact.
        assert await storage.get_language(2) == "zh"
        assert await storage.get_lead(2) is not None
        assert len(stored_questions(db_path, user_id=2)) == 1
        assert await storage.load_conversations("signup") == {(2, 2): 1}
        assert await storage.announcements_stopped(1) is None
        assert await storage.forget_user(1) == dict.fromkeys(counts, 0)
    finally:
        await storage.close()
    blob = database_bytes(db_path)
    assert NAME.encode() not in blob and EMAIL.encode() not in blob

    with raw(db_path) as conn:
        tables = ("leads", "user_settings", "questions", "user_data", "chat_data")
        for table in (*tables, "announcement_recipients", "announcement_optouts"):
            column = "chat_id" if table == "chat_data" else "user_id"
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE {column}=1").fetchone() == (0,)


async def test_forget_user_then_same_data_is_written_again(store: Storage) -> None:
    await store.save_user_data(1, {"a": 1})
    await store.forget_user(1)
    # The change check must not think the row still exists.
    assert await store.save_user_data(1, {"a": 1}) is True
    assert await store.load_user_data() == {1: {"a": 1}}


async def test_closed_storage_refuses_work(db_path: Path) -> None:
    storage = await Storage.open(db_path)
    await storage.close()
    with pytest.raises(StorageError):
        await storage.get_lead(1)


async def test_closed_threads_and_their_links_are_purged_after_retention(
    store: Storage, clock: FakeClock
) -> None:
    old = await store.start_thread(1, "Ana", "en", "open")
    await store.record_sent([SentMessage(-100, 1, 1, "en", old.id)])
    await store.close_thread(old.id, "coordinator", by=777)
    clock.advance(timedelta(days=400))
    current = await store.start_thread(1, "Ana", "en", "open")
    assert await store.purge_handoffs(timedelta(days=365)) == 1
    assert [t.id for t in await store.user_threads(1)] == [current.id]
    assert await store.sent_message(-100, 1) is None
    assert store.current_thread(1) == current


async def test_a_thread_closed_meanwhile_stays_closed(store: Storage) -> None:
    thread = await store.start_thread(1, "Ana", "en", "waiting")
    assert await store.start_thread(1, "Ana", "en", "open") == thread  # one at a time
    closed = await store.close_thread(thread.id, "coordinator", by=777)
    assert closed is not None and closed.closed_by == 777
    assert await store.close_thread(thread.id, "expired") is None  # closed once
    await store.touch_thread(thread, student_message=True)  # a late message of a relay
    again = await store.get_thread(thread.id)
    assert again is not None and again.status == "closed" and store.current_thread(1) is None


async def test_a_sign_up_notice_is_queued_once(store: Storage, clock: FakeClock) -> None:
    first = await store.queue_notice(1, clock(), updated=False)
    assert await store.queue_notice(1, clock(), updated=True) == first
    assert await store.unsent_notices() == [first]
    await store.mark_notice_sent(first.id, [SentMessage(-100, 5, 1, "en", None, first.id)])
    assert await store.unsent_notices() == []
    sent = await store.sent_message(-100, 5)
    assert sent is not None and sent.notice_id == first.id and sent.user_id == 1


# --------------------------------------------------------------------------- the facade
async def test_every_facade_method_is_its_stores_method(store: Storage) -> None:
    delegated = {n: v for n, v in vars(Storage).items() if isinstance(v, StoreMethod)}
    assert len(delegated) > 70
    for name in delegated:
        method = getattr(store, name)
        owner = getattr(method, "__self__", None)
        assert owner is not None and owner is not store, name  # bound to a store, not the facade
        assert getattr(type(owner), name).__doc__, name
    assert store.get_lead.__self__ is store.leads  # type: ignore[attr-defined]
    assert store.now() == store.database.clock()
