"""The database schema: migrations applied in order at open, and the columns checked after."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aiosqlite

from bot.storage.errors import SchemaError, SchemaVersionError

_LOGGER = logging.getLogger(__name__)
FILE_MODE: Final = 0o600


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
# already has its version will not run it again). Update EXPECTED_COLUMNS to match.
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
    Migration(
        version=2,
        description="lead status set by coordinators",
        statements=(
            "ALTER TABLE leads ADD COLUMN status TEXT NOT NULL DEFAULT 'new'",
            "ALTER TABLE leads ADD COLUMN status_by INTEGER",
            "ALTER TABLE leads ADD COLUMN status_at TEXT",
        ),
    ),
    Migration(
        version=3,
        description="update inbox; questions carry their update id",
        statements=(
            """
            CREATE TABLE IF NOT EXISTS inbox (
                update_id   INTEGER PRIMARY KEY,
                user_id     INTEGER,
                payload     TEXT,
                received_at TEXT NOT NULL,
                done_at     TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS inbox_user_id ON inbox (user_id)",
            "CREATE INDEX IF NOT EXISTS inbox_done_at ON inbox (done_at)",
            "ALTER TABLE questions ADD COLUMN update_id INTEGER",
            "CREATE UNIQUE INDEX IF NOT EXISTS questions_update ON questions (user_id, update_id)",
        ),
    ),
)

SCHEMA_VERSION: Final = len(MIGRATIONS)

# Columns the code reads and writes, per table, in the newest schema. Checked at every open
# so that a pre-existing table of the same name but another shape (e.g. from an unversioned
# prototype) gives a clear error instead of failing later on the hot path.
EXPECTED_COLUMNS: Final[Mapping[str, frozenset[str]]] = {
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
            "status",
            "status_by",
            "status_at",
        }
    ),
    "questions": frozenset(
        {"id", "user_id", "asked_at", "language", "text", "intent", "score", "update_id"}
    ),
    "user_data": frozenset({"user_id", "data"}),
    "chat_data": frozenset({"chat_id", "data"}),
    "bot_data": frozenset({"id", "data"}),
    "conversations": frozenset({"name", "key", "state"}),
    "inbox": frozenset({"update_id", "user_id", "payload", "received_at", "done_at"}),
}


def create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 if missing; tighten it (and WAL/SHM) if it exists.

    SQLite creates the -wal and -shm files with the mode of the database file, so creating the
    database file ourselves with 0600 is enough for new files; chmod covers older ones.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if candidate.stat().st_mode & 0o777 != FILE_MODE:
                os.chmod(candidate, FILE_MODE)


async def pragma(conn: aiosqlite.Connection, sql: str) -> Any:
    """The first value a PRAGMA returns."""
    rows = list(await conn.execute_fetchall(sql))
    return rows[0][0] if rows else None


def check_version(version: int, path: Path) -> None:
    """Refuse a file written by a newer version of the bot."""
    known = len(MIGRATIONS)
    if version > known:
        raise SchemaVersionError(
            f"{path} has schema version {version}, but this version of the bot only knows "
            f"versions up to {known}; it was written by a newer bot. Upgrade the bot (or "
            "restore a backup) instead of opening it with this one."
        )


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Apply the migrations the file lacks, each in its own transaction."""
    for index, migration in enumerate(MIGRATIONS, start=1):
        if migration.version != index:
            raise SchemaError(
                f"MIGRATIONS is misordered: entry {index} has version {migration.version}"
            )
    version = int(await pragma(conn, "PRAGMA user_version"))
    check_version(version, path)
    for migration in MIGRATIONS[version:]:
        await conn.execute("BEGIN IMMEDIATE")
        step = "BEGIN"
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            current = int(await pragma(conn, "PRAGMA user_version"))
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
            "Migrated %s to schema version %d (%s)", path, migration.version, migration.description
        )


async def check_columns(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse a table of the same name but another shape (e.g. from an unversioned prototype)."""
    for table, expected in EXPECTED_COLUMNS.items():
        rows = await conn.execute_fetchall("SELECT name FROM pragma_table_info(?)", (table,))
        missing = expected - {row[0] for row in rows}
        if missing:
            raise SchemaError(
                f"table {table!r} in {path} lacks the columns {sorted(missing)}; it was "
                "not created by this bot's migrations"
            )
