"""SQLite storage for the CQMU Exchange Assistant.

One :class:`Storage` owns one aiosqlite connection to one database file. It is meant to be
the only writer of that file (one bot process); the in-memory caches (languages, last stored
user/chat data) rely on that.

Durability rules:

* Every write that confirms something to the student (``set_language``, ``upsert_lead``,
  ``forget_user``, ``purge_leads``, user/chat data, conversation states) is committed before
  the method returns.
* ``log_question`` is on the hot path and only appends to an in-memory buffer. The buffer is
  written in one ``executemany`` transaction at most ``question_flush_interval`` seconds later,
  when it holds ``question_buffer_size`` rows, before any read of the questions, and on
  :meth:`Storage.close`.

Privacy: the file and its ``-wal``/``-shm`` companions are created with mode 0600,
``secure_delete`` is on (deleted rows are overwritten with zeros) and the WAL is checkpointed
and truncated after :meth:`Storage.forget_user` and :meth:`Storage.purge_leads`, so deleted
personal data does not linger in the database files.

Timestamps are stored as ISO-8601 UTC text with a fixed width
(``2025-01-31T08:00:00.000000+00:00``), so text comparison orders them correctly. Naive
datetimes passed in are taken to be UTC.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

import aiosqlite

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "DataNotJSONError",
    "Lead",
    "Migration",
    "Question",
    "SchemaError",
    "SchemaVersionError",
    "Storage",
    "StorageError",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]
ConversationKey = tuple[int | str, ...]

_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700
_BUSY_TIMEOUT_MS: Final = 5000


# --------------------------------------------------------------------------- errors


class StorageError(Exception):
    """Base class of the errors raised by this module."""


class SchemaError(StorageError):
    """The database file's schema cannot be used (failed migration, incompatible table)."""


class SchemaVersionError(SchemaError):
    """The database file was written by a newer version of the bot than this one."""


class DataNotJSONError(StorageError, TypeError):
    """A value that must be stored as JSON is not plain JSON data."""


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step. ``version`` is the ``user_version`` after it has been applied.

    The statements run in order inside one transaction, together with the ``user_version``
    update: a migration is applied completely or not at all.
    """

    version: int
    description: str
    statements: tuple[str, ...]


# Append new migrations at the end; never edit one that has been released (a database that
# already has its version will not run it again). Update _EXPECTED_COLUMNS to match.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="initial schema",
        statements=(
            """
            CREATE TABLE IF NOT EXISTS user_settings (
                user_id    INTEGER PRIMARY KEY,
                language   TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS leads (
                user_id     INTEGER PRIMARY KEY,
                name        TEXT NOT NULL,
                email       TEXT NOT NULL,
                university  TEXT,
                country     TEXT,
                level       TEXT,
                interests   TEXT NOT NULL DEFAULT '[]',
                duration    TEXT,
                start_month TEXT,
                message     TEXT,
                language    TEXT NOT NULL,
                consent_at  TEXT NOT NULL,
                created_at  TEXT NOT NULL,
                updated_at  TEXT NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS leads_updated_at ON leads (updated_at)",
            """
            CREATE TABLE IF NOT EXISTS questions (
                id       INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id  INTEGER NOT NULL,
                asked_at TEXT NOT NULL,
                language TEXT NOT NULL,
                text     TEXT NOT NULL,
                intent   TEXT,
                score    REAL
            )
            """,
            "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
            "CREATE INDEX IF NOT EXISTS questions_user_id ON questions (user_id)",
            """
            CREATE TABLE IF NOT EXISTS user_data (
                user_id INTEGER PRIMARY KEY,
                data    TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS chat_data (
                chat_id INTEGER PRIMARY KEY,
                data    TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS bot_data (
                id   INTEGER PRIMARY KEY CHECK (id = 1),
                data TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS conversations (
                name  TEXT NOT NULL,
                key   TEXT NOT NULL,
                state TEXT NOT NULL,
                PRIMARY KEY (name, key)
            )
            """,
        ),
    ),
)

SCHEMA_VERSION: Final = len(MIGRATIONS)

# Columns the code reads and writes, per table, in the newest schema. Checked at every open
# so that a pre-existing table of the same name but another shape (e.g. from an unversioned
# prototype) gives a clear error instead of failing later on the hot path.
_EXPECTED_COLUMNS: Final[Mapping[str, frozenset[str]]] = {
    "user_settings": frozenset({"user_id", "language", "created_at", "updated_at"}),
    "leads": frozenset(
        {
            "user_id",
            "name",
            "email",
            "university",
            "country",
            "level",
            "interests",
            "duration",
            "start_month",
            "message",
            "language",
            "consent_at",
            "created_at",
            "updated_at",
        }
    ),
    "questions": frozenset({"id", "user_id", "asked_at", "language", "text", "intent", "score"}),
    "user_data": frozenset({"user_id", "data"}),
    "chat_data": frozenset({"chat_id", "data"}),
    "bot_data": frozenset({"id", "data"}),
    "conversations": frozenset({"name", "key", "state"}),
}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True, kw_only=True)
class Lead:
    """A student who asked to be contacted by a coordinator.

    ``created_at`` and ``updated_at`` are set by :meth:`Storage.upsert_lead`; the values
    passed in are ignored. ``start_month`` is ``'YYYY-MM'``; ``interests`` holds entry ids.
    """

    user_id: int
    name: str
    email: str
    university: str | None = None
    country: str | None = None
    level: str | None = None
    interests: tuple[str, ...] = ()
    duration: str | None = None
    start_month: str | None = None
    message: str | None = None
    language: str
    consent_at: datetime
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def as_dict(self) -> JSONDict:
        """JSON-friendly copy (timestamps as ISO text, interests as a list)."""
        return {
            "user_id": self.user_id,
            "name": self.name,
            "email": self.email,
            "university": self.university,
            "country": self.country,
            "level": self.level,
            "interests": list(self.interests),
            "duration": self.duration,
            "start_month": self.start_month,
            "message": self.message,
            "language": self.language,
            "consent_at": _iso(self.consent_at),
            "created_at": _iso(self.created_at) if self.created_at else None,
            "updated_at": _iso(self.updated_at) if self.updated_at else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """A logged question. ``intent`` is None when the bot could not answer it."""

    id: int
    user_id: int
    asked_at: datetime
    language: str
    text: str
    intent: str | None
    score: float | None

    def as_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "asked_at": _iso(self.asked_at),
            "language": self.language,
            "text": self.text,
            "intent": self.intent,
            "score": self.score,
        }


_LEAD_COLUMNS: Final = (
    "user_id, name, email, university, country, level, interests, duration, start_month, "
    "message, language, consent_at, created_at, updated_at"
)
_QUESTION_COLUMNS: Final = "id, user_id, asked_at, language, text, intent, score"


# --------------------------------------------------------------------------- helpers


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    """Fixed-width ISO-8601 UTC text; sorts like the instants it stands for."""
    return _as_utc(value).isoformat(timespec="microseconds")


def _from_iso(text: str) -> datetime:
    return _as_utc(datetime.fromisoformat(text))


def _check_json(value: object, where: str) -> None:
    """Raise :class:`DataNotJSONError` unless ``value`` survives a JSON round trip unchanged.

    Allowed: dict with str keys, list, str, int, float (finite), bool, None — subclasses such
    as IntEnum/StrEnum included (they come back as their plain value, which compares equal).
    Tuples and non-str keys are refused because they would silently come back as lists and
    str keys after a restart.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataNotJSONError(f"{where} is {value!r}, which JSON cannot store")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DataNotJSONError(
                    f"{where} has the key {key!r} of type {type(key).__name__}; "
                    "stored data must use str keys (JSON would turn it into a str)"
                )
            _check_json(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    hint = " (use a list)" if isinstance(value, tuple) else ""
    raise DataNotJSONError(
        f"{where} is of type {type(value).__name__}, which is not JSON data{hint}; "
        "only dict (str keys), list, str, int, float, bool and None can be stored"
    )


def _to_json(value: object, where: str) -> str:
    _check_json(value, where)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _key_to_json(key: Sequence[int | str]) -> str:
    for part in key:
        if isinstance(part, bool) or not isinstance(part, (int, str)):
            raise DataNotJSONError(f"conversation key {key!r} must hold only int and str")
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def _key_from_json(text: str) -> ConversationKey:
    return tuple(json.loads(text))


def _row_to_lead(row: Sequence[Any]) -> Lead:
    return Lead(
        user_id=row[0],
        name=row[1],
        email=row[2],
        university=row[3],
        country=row[4],
        level=row[5],
        interests=tuple(json.loads(row[6])),
        duration=row[7],
        start_month=row[8],
        message=row[9],
        language=row[10],
        consent_at=_from_iso(row[11]),
        created_at=_from_iso(row[12]),
        updated_at=_from_iso(row[13]),
    )


def _row_to_question(row: Sequence[Any]) -> Question:
    return Question(
        id=row[0],
        user_id=row[1],
        asked_at=_from_iso(row[2]),
        language=row[3],
        text=row[4],
        intent=row[5],
        score=row[6],
    )


def _create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 if missing; tighten it (and WAL/SHM) if it exists.

    SQLite creates the -wal and -shm files with the mode of the database file, so creating the
    database file ourselves with 0600 is enough for new files; chmod covers older ones.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if candidate.stat().st_mode & 0o777 != _FILE_MODE:
                os.chmod(candidate, _FILE_MODE)


# --------------------------------------------------------------------------- storage


_QuestionRow = tuple[int, str, str, str, str | None, float | None]


class Storage:
    """Async access to the bot's SQLite database. Create with :meth:`open`.

    All database access goes through one asyncio lock, so transactions of concurrent
    coroutines never interleave on the shared connection.
    """

    def __init__(
        self,
        path: Path,
        conn: aiosqlite.Connection,
        *,
        clock: Callable[[], datetime],
        question_flush_interval: float,
        question_buffer_size: int,
    ) -> None:
        """Internal: use :meth:`open`."""
        self.path = path
        self._conn: aiosqlite.Connection | None = conn
        self._clock = clock
        self._lock = asyncio.Lock()
        self._question_flush_interval = question_flush_interval
        self._question_buffer_size = question_buffer_size
        self._pending_questions: list[_QuestionRow] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._languages: dict[int, str] = {}
        # Last stored data per id (independent copies), to skip writes of unchanged data.
        self._stored_data: dict[str, dict[int, JSONDict]] = {"user_data": {}, "chat_data": {}}

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        clock: Callable[[], datetime] = _utcnow,
        synchronous: Literal["NORMAL", "FULL"] = "FULL",
        question_flush_interval: float = 0.5,
        question_buffer_size: int = 100,
    ) -> Storage:
        """Open (creating or upgrading) the database at ``path``.

        Raises :class:`SchemaVersionError` if the file comes from a newer version of the bot
        and :class:`SchemaError` if a migration fails (the file is then left as it was).
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', not {synchronous!r}")
        path = Path(path)
        path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        _create_private_file(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            cls._check_version(int(await cls._pragma(conn, "PRAGMA user_version")), path)
            journal = await cls._pragma(conn, "PRAGMA journal_mode=WAL")
            if str(journal).lower() != "wal":
                _LOGGER.warning("SQLite refused WAL mode for %s (journal_mode=%s)", path, journal)
            await conn.execute(f"PRAGMA synchronous={synchronous}")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA secure_delete=ON")
            await cls._migrate(conn, path)
            await cls._check_columns(conn, path)
            storage = cls(
                path,
                conn,
                clock=clock,
                question_flush_interval=question_flush_interval,
                question_buffer_size=question_buffer_size,
            )
            await storage._load_languages()
        except BaseException:
            await conn.close()
            raise
        # The WAL/SHM files exist now; make sure they are private too (older files).
        _create_private_file(path)
        return storage

    async def close(self) -> None:
        """Write buffered questions and close the connection. Safe to call twice."""
        if self._conn is None:
            return
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        try:
            if self._flush_task is not None:
                with contextlib.suppress(Exception):
                    await self._flush_task
            async with self._lock:
                await self._write_pending_questions()
        finally:
            async with self._lock:
                conn, self._conn = self._conn, None
                if self._flush_handle is not None:
                    self._flush_handle.cancel()
                    self._flush_handle = None
                if conn is not None:
                    await conn.close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ----------------------------------------------------------------- internals

    @property
    def _db(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError(f"storage {self.path} is closed")
        return self._conn

    @staticmethod
    async def _pragma(conn: aiosqlite.Connection, sql: str) -> Any:
        rows = list(await conn.execute_fetchall(sql))
        return rows[0][0] if rows else None

    @staticmethod
    def _check_version(version: int, path: Path) -> None:
        known = len(MIGRATIONS)
        if version > known:
            raise SchemaVersionError(
                f"{path} has schema version {version}, but this version of the bot only knows "
                f"versions up to {known}; it was written by a newer bot. Upgrade the bot (or "
                "restore a backup) instead of opening it with this one."
            )

    @staticmethod
    async def _migrate(conn: aiosqlite.Connection, path: Path) -> None:
        migrations = MIGRATIONS
        for index, migration in enumerate(migrations, start=1):
            if migration.version != index:
                raise SchemaError(
                    f"MIGRATIONS is misordered: entry {index} has version {migration.version}"
                )
        version = int(await Storage._pragma(conn, "PRAGMA user_version"))
        Storage._check_version(version, path)
        for migration in migrations[version:]:
            await conn.execute("BEGIN IMMEDIATE")
            step = "BEGIN"
            try:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                current = int(await Storage._pragma(conn, "PRAGMA user_version"))
                if current >= migration.version:
                    await conn.execute("COMMIT")
                    continue
                for statement in migration.statements:
                    step = " ".join(statement.split())
                    await conn.execute(statement)
                step = f"PRAGMA user_version={int(migration.version)}"
                await conn.execute(step)
                await conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    await conn.rollback()
                if isinstance(exc, Exception):
                    raise SchemaError(
                        f"migrating {path} to schema version {migration.version} "
                        f"({migration.description}) failed at {step[:120]!r}: {exc}; "
                        f"that migration was rolled back and the file stays at version "
                        f"{migration.version - 1}"
                    ) from exc
                raise
            _LOGGER.info(
                "Migrated %s to schema version %d (%s)",
                path,
                migration.version,
                migration.description,
            )

    @staticmethod
    async def _check_columns(conn: aiosqlite.Connection, path: Path) -> None:
        for table, expected in _EXPECTED_COLUMNS.items():
            rows = await conn.execute_fetchall("SELECT name FROM pragma_table_info(?)", (table,))
            missing = expected - {row[0] for row in rows}
            if missing:
                raise SchemaError(
                    f"table {table!r} in {path} lacks the columns {sorted(missing)}; it was "
                    "not created by this bot's migrations"
                )

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error). Caller holds the lock."""
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            try:
                await db.rollback()
            except Exception:  # pragma: no cover - rollback itself failing
                _LOGGER.exception("ROLLBACK failed on %s", self.path)
            raise
        await db.execute("COMMIT")

    async def _fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Read rows. Caller holds the lock."""
        return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it to 0 bytes. Caller holds the lock."""
        rows = await self._fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        if rows and rows[0][0]:
            _LOGGER.warning(
                "WAL checkpoint of %s was blocked by another connection; deleted data may "
                "remain in the -wal file until the next checkpoint",
                self.path,
            )

    async def _load_languages(self) -> None:
        rows = await self._fetchall("SELECT user_id, language FROM user_settings")
        self._languages = {row[0]: row[1] for row in rows}

    # ----------------------------------------------------------------- languages

    async def get_language(self, user_id: int) -> str | None:
        """The user's chosen language, from memory (no disk access)."""
        return self._languages.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        """Store the user's language; committed when this returns."""
        if self._languages.get(user_id) == language:
            return
        now = _iso(self._clock())
        async with self._lock, self._transaction() as db:
            await db.execute(
                "INSERT INTO user_settings (user_id, language, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET "
                "language = excluded.language, updated_at = excluded.updated_at",
                (user_id, language, now, now),
            )
        self._languages[user_id] = language

    # ----------------------------------------------------------------- leads

    async def upsert_lead(self, lead: Lead) -> bool:
        """Insert or replace the user's lead; committed when this returns.

        Returns True when an existing lead of that user was updated (its ``created_at`` is
        kept), False when a new one was inserted. ``lead.created_at``/``updated_at`` are
        ignored.
        """
        now = _iso(self._clock())
        params = (
            lead.user_id,
            lead.name,
            lead.email,
            lead.university,
            lead.country,
            lead.level,
            json.dumps(list(lead.interests), ensure_ascii=False),
            lead.duration,
            lead.start_month,
            lead.message,
            lead.language,
            _iso(lead.consent_at),
            now,
            now,
        )
        async with self._lock, self._transaction() as db:
            existing = await db.execute_fetchall(
                "SELECT 1 FROM leads WHERE user_id = ?", (lead.user_id,)
            )
            await db.execute(
                f"INSERT INTO leads ({_LEAD_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET "
                "name = excluded.name, email = excluded.email, "
                "university = excluded.university, country = excluded.country, "
                "level = excluded.level, interests = excluded.interests, "
                "duration = excluded.duration, start_month = excluded.start_month, "
                "message = excluded.message, language = excluded.language, "
                "consent_at = excluded.consent_at, updated_at = excluded.updated_at",
                params,
            )
        return bool(list(existing))

    async def get_lead(self, user_id: int) -> Lead | None:
        async with self._lock:
            rows = await self._fetchall(
                f"SELECT {_LEAD_COLUMNS} FROM leads WHERE user_id = ?", (user_id,)
            )
        return _row_to_lead(rows[0]) if rows else None

    async def list_leads(self, since: datetime | None = None) -> list[Lead]:
        """Leads created or updated at or after ``since`` (all if None), oldest update first."""
        sql = f"SELECT {_LEAD_COLUMNS} FROM leads"
        params: tuple[Any, ...] = ()
        if since is not None:
            sql += " WHERE updated_at >= ?"
            params = (_iso(since),)
        sql += " ORDER BY updated_at, user_id"
        async with self._lock:
            rows = await self._fetchall(sql, params)
        return [_row_to_lead(row) for row in rows]

    async def purge_leads(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete leads last updated more than ``older_than`` before ``now``; return the count."""
        return await self._delete_older("DELETE FROM leads WHERE updated_at < ?", older_than, now)

    # ----------------------------------------------------------------- questions

    async def log_question(
        self,
        user_id: int,
        language: str,
        text: str,
        intent: str | None,
        score: float | None,
    ) -> None:
        """Buffer a question for logging (no disk access; written within the flush interval).

        ``intent`` None marks the question as unanswered.
        """
        if self._conn is None:
            raise StorageError(f"storage {self.path} is closed")
        self._pending_questions.append(
            (user_id, _iso(self._clock()), language, text, intent, score)
        )
        self._schedule_question_flush()

    def _schedule_question_flush(self) -> None:
        """Arrange for the buffer to be written: now if it is full, else after the interval."""
        if self._flush_task is not None or not self._pending_questions:
            return  # a running flush re-checks the buffer when it ends
        full = len(self._pending_questions) >= self._question_buffer_size
        if self._flush_handle is not None:
            if not full:
                return
            self._flush_handle.cancel()
        delay = 0.0 if full else self._question_flush_interval
        self._flush_handle = asyncio.get_running_loop().call_later(delay, self._start_flush_task)

    def _start_flush_task(self) -> None:
        self._flush_handle = None
        if self._conn is None or self._flush_task is not None:
            return
        self._flush_task = asyncio.get_running_loop().create_task(self._background_flush())

    async def _background_flush(self) -> None:
        try:
            async with self._lock:
                await self._write_pending_questions()
        except Exception:
            _LOGGER.exception("Writing %d logged questions failed", len(self._pending_questions))
        finally:
            self._flush_task = None
        if self._conn is not None:
            self._schedule_question_flush()

    async def _write_pending_questions(self) -> None:
        """Write the buffered questions in one transaction. Caller holds the lock."""
        rows, self._pending_questions = self._pending_questions, []
        if not rows:
            return
        try:
            async with self._transaction() as db:
                await db.executemany(
                    "INSERT INTO questions (user_id, asked_at, language, text, intent, score) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
        except BaseException:
            self._pending_questions[:0] = rows  # keep them for the next attempt
            raise

    async def flush_questions(self) -> None:
        """Write buffered questions now (also done automatically)."""
        async with self._lock:
            await self._write_pending_questions()

    async def unanswered_questions(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[Question]:
        """Questions without an intent asked at or after ``since``, newest first."""
        sql = f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE intent IS NULL"
        params: list[Any] = []
        if since is not None:
            sql += " AND asked_at >= ?"
            params.append(_iso(since))
        sql += " ORDER BY asked_at DESC, id DESC LIMIT ?"
        params.append(limit)
        async with self._lock:
            await self._write_pending_questions()
            rows = await self._fetchall(sql, params)
        return [_row_to_question(row) for row in rows]

    async def recent_questions(self, limit: int = 50, user_id: int | None = None) -> list[Question]:
        """The latest questions (of one user if ``user_id`` is given), newest first."""
        sql = f"SELECT {_QUESTION_COLUMNS} FROM questions"
        params: list[Any] = []
        if user_id is not None:
            sql += " WHERE user_id = ?"
            params.append(user_id)
        sql += " ORDER BY asked_at DESC, id DESC LIMIT ?"
        params.append(limit)
        async with self._lock:
            await self._write_pending_questions()
            rows = await self._fetchall(sql, params)
        return [_row_to_question(row) for row in rows]

    async def purge_questions(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete questions asked more than ``older_than`` before ``now``; return the count."""
        async with self._lock:
            await self._write_pending_questions()
        return await self._delete_older("DELETE FROM questions WHERE asked_at < ?", older_than, now)

    async def _delete_older(self, sql: str, older_than: timedelta, now: datetime | None) -> int:
        """Run ``sql`` with the cutoff ``now - older_than``; checkpoint so deleted personal data
        leaves the WAL too. Returns how many rows went."""
        cutoff = _iso((now if now is not None else self._clock()) - older_than)
        async with self._lock:
            async with self._transaction() as db:
                cursor = await db.execute(sql, (cutoff,))
                count = max(cursor.rowcount, 0)
            if count:
                await self._checkpoint()
        return count

    # ----------------------------------------------------------------- user / chat data

    async def load_user_data(self) -> dict[int, JSONDict]:
        return await self._load_data("user_data", "user_id")

    async def save_user_data(self, user_id: int, data: Mapping[str, Any]) -> bool:
        """Store the user's data (committed on return). Returns False if it was unchanged.

        An empty mapping deletes the row. Raises :class:`DataNotJSONError` for non-JSON data.
        """
        return await self._save_data("user_data", "user_id", user_id, data)

    async def delete_user_data(self, user_id: int) -> bool:
        return await self._delete_data("user_data", "user_id", user_id)

    async def load_chat_data(self) -> dict[int, JSONDict]:
        return await self._load_data("chat_data", "chat_id")

    async def save_chat_data(self, chat_id: int, data: Mapping[str, Any]) -> bool:
        """Like :meth:`save_user_data`, for a chat."""
        return await self._save_data("chat_data", "chat_id", chat_id, data)

    async def delete_chat_data(self, chat_id: int) -> bool:
        return await self._delete_data("chat_data", "chat_id", chat_id)

    async def _load_data(
        self, table: Literal["user_data", "chat_data"], id_column: str
    ) -> dict[int, JSONDict]:
        async with self._lock:
            rows = await self._fetchall(f"SELECT {id_column}, data FROM {table}")
        result: dict[int, JSONDict] = {}
        stored: dict[int, JSONDict] = {}
        for row_id, text in rows:
            result[row_id] = json.loads(text)
            stored[row_id] = json.loads(text)  # independent copy: the caller mutates result
        self._stored_data[table] = stored
        return result

    async def _save_data(
        self,
        table: Literal["user_data", "chat_data"],
        id_column: str,
        row_id: int,
        data: Mapping[str, Any],
    ) -> bool:
        stored = self._stored_data[table]
        previous = stored.get(row_id)
        if previous is None:
            if not data:
                return False
        elif previous == data:
            return False
        if not data:
            return await self._delete_data(table, id_column, row_id)
        text = _to_json(dict(data), f"{table}[{row_id}]")
        snapshot = json.loads(text)  # an independent copy, equal to data (see _check_json)
        async with self._lock, self._transaction() as db:
            await db.execute(
                f"INSERT INTO {table} ({id_column}, data) VALUES (?, ?) "
                f"ON CONFLICT ({id_column}) DO UPDATE SET data = excluded.data",
                (row_id, text),
            )
        stored[row_id] = snapshot
        return True

    async def _delete_data(
        self, table: Literal["user_data", "chat_data"], id_column: str, row_id: int
    ) -> bool:
        async with self._lock, self._transaction() as db:
            cursor = await db.execute(f"DELETE FROM {table} WHERE {id_column} = ?", (row_id,))
            deleted = cursor.rowcount > 0
        self._stored_data[table].pop(row_id, None)
        return deleted

    # ----------------------------------------------------------------- conversations

    async def load_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self._lock:
            rows = await self._fetchall(
                "SELECT key, state FROM conversations WHERE name = ?", (name,)
            )
        return {_key_from_json(key): json.loads(state) for key, state in rows}

    async def save_conversation(
        self, name: str, key: Sequence[int | str], state: object | None
    ) -> None:
        """Store a conversation state (committed on return); ``None`` deletes it."""
        key_text = _key_to_json(key)
        if state is None:
            async with self._lock, self._transaction() as db:
                await db.execute(
                    "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key_text)
                )
            return
        state_text = _to_json(state, f"state of conversation {name!r} {tuple(key)!r}")
        async with self._lock, self._transaction() as db:
            await db.execute(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, key_text, state_text),
            )

    async def _user_conversations(self, user_id: int) -> list[tuple[str, str, str]]:
        """Conversation rows whose key contains ``user_id``. Caller holds the lock."""
        rows = await self._fetchall("SELECT name, key, state FROM conversations")
        found = []
        for name, key_text, state_text in rows:
            key = _key_from_json(key_text)
            if any(isinstance(part, int) and part == user_id for part in key):
                found.append((name, key_text, state_text))
        return found

    # ----------------------------------------------------------------- the user's rights

    async def user_report(self, user_id: int) -> JSONDict:
        """Everything stored about the user, JSON-friendly, for ``/mydata``.

        Keys: ``user_id``; ``settings`` (dict or None); ``lead`` (dict or None); ``questions``
        (list, oldest first); ``user_data`` and ``chat_data`` (the stored dicts of the user
        and of their private chat, or None); ``conversations`` (list of
        ``{"name", "key", "state"}``); ``has_saved_state`` (True if any of user_data,
        chat_data or conversations exists, e.g. an unfinished form).
        """
        async with self._lock:
            await self._write_pending_questions()
            settings = await self._fetchall(
                "SELECT language, created_at, updated_at FROM user_settings WHERE user_id = ?",
                (user_id,),
            )
            leads = await self._fetchall(
                f"SELECT {_LEAD_COLUMNS} FROM leads WHERE user_id = ?", (user_id,)
            )
            questions = await self._fetchall(
                f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE user_id = ? "
                "ORDER BY asked_at, id",
                (user_id,),
            )
            user_data = await self._fetchall(
                "SELECT data FROM user_data WHERE user_id = ?", (user_id,)
            )
            chat_data = await self._fetchall(
                "SELECT data FROM chat_data WHERE chat_id = ?", (user_id,)
            )
            conversations = await self._user_conversations(user_id)
        report: JSONDict = {
            "user_id": user_id,
            "settings": (
                {
                    "language": settings[0][0],
                    "created_at": settings[0][1],
                    "updated_at": settings[0][2],
                }
                if settings
                else None
            ),
            "lead": _row_to_lead(leads[0]).as_dict() if leads else None,
            "questions": [_row_to_question(row).as_dict() for row in questions],
            "user_data": json.loads(user_data[0][0]) if user_data else None,
            "chat_data": json.loads(chat_data[0][0]) if chat_data else None,
            "conversations": [
                {"name": name, "key": json.loads(key), "state": json.loads(state)}
                for name, key, state in conversations
            ],
        }
        report["has_saved_state"] = bool(user_data or chat_data or conversations)
        return report

    async def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about the user in one transaction; return counts per kind.

        Removes the lead, settings, logged questions (buffered ones included), user_data,
        chat_data of the private chat (chat id = user id) and conversation rows whose key
        contains the user id, then checkpoints and truncates the WAL. With ``secure_delete``
        the deleted bytes are overwritten, so nothing about the user remains in the files.

        Note: a running PTB Application still holds the user's user_data/chat_data and
        conversation state in memory; also call ``application.drop_user_data(user_id)`` and
        ``application.drop_chat_data(user_id)`` and end the conversation, or PTB will write
        them back on its next persistence update.
        """
        async with self._lock:
            await self._write_pending_questions()
            counts: dict[str, int] = {}
            async with self._transaction() as db:
                for kind, sql in (
                    ("lead", "DELETE FROM leads WHERE user_id = ?"),
                    ("settings", "DELETE FROM user_settings WHERE user_id = ?"),
                    ("questions", "DELETE FROM questions WHERE user_id = ?"),
                    ("user_data", "DELETE FROM user_data WHERE user_id = ?"),
                    ("chat_data", "DELETE FROM chat_data WHERE chat_id = ?"),
                ):
                    cursor = await db.execute(sql, (user_id,))
                    counts[kind] = max(cursor.rowcount, 0)
                conversations = await self._user_conversations(user_id)
                if conversations:
                    await db.executemany(
                        "DELETE FROM conversations WHERE name = ? AND key = ?",
                        [(name, key) for name, key, _ in conversations],
                    )
                counts["conversations"] = len(conversations)
            self._languages.pop(user_id, None)
            self._stored_data["user_data"].pop(user_id, None)
            self._stored_data["chat_data"].pop(user_id, None)
            await self._checkpoint()
        return counts
