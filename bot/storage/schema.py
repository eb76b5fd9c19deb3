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
from bot.storage.records import LEAD_FIELDS

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
        description="coordinators' digests and their delivery",
        statements=(
            """
            CREATE TABLE IF NOT EXISTS digests (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                since      TEXT,
                until      TEXT NOT NULL,
                created_at TEXT NOT NULL,
                sent_at    TEXT,
                skipped    INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS digest_deliveries (
                digest_id  INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
                chat_id    INTEGER NOT NULL,
                parts_sent INTEGER NOT NULL,
                done       INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (digest_id, chat_id)
            )
            """,
        ),
    ),
    Migration(
        version=4,
        description="coordinators review unanswered questions",
        statements=(
            "ALTER TABLE questions ADD COLUMN reviewed TEXT",
            "ALTER TABLE questions ADD COLUMN reviewed_at TEXT",
            """
            CREATE TABLE IF NOT EXISTS review_groups (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                listing    INTEGER NOT NULL,
                position   INTEGER NOT NULL,
                entries    TEXT NOT NULL DEFAULT '[]',
                created_at TEXT NOT NULL,
                resolved   TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS review_groups_listing ON review_groups (listing, position)",
            """
            CREATE TABLE IF NOT EXISTS review_group_questions (
                group_id    INTEGER NOT NULL REFERENCES review_groups (id) ON DELETE CASCADE,
                question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
                PRIMARY KEY (group_id, question_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS review_group_questions_question "
            "ON review_group_questions (question_id)",
        ),
    ),
    Migration(
        version=5,
        description="hand-off threads, messages sent to coordinators, sign-up notices",
        statements=(
            """
            CREATE TABLE IF NOT EXISTS handoffs (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id         INTEGER NOT NULL,
                name            TEXT NOT NULL,
                language        TEXT NOT NULL,
                status          TEXT NOT NULL,
                opened_at       TEXT NOT NULL,
                last_message_at TEXT NOT NULL,
                messages        INTEGER NOT NULL DEFAULT 0,
                closed_at       TEXT,
                closed_by       INTEGER,
                close_reason    TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS handoffs_user_id ON handoffs (user_id)",
            "CREATE INDEX IF NOT EXISTS handoffs_status ON handoffs (status)",
            """
            CREATE TABLE IF NOT EXISTS coordinator_messages (
                chat_id    INTEGER NOT NULL,
                message_id INTEGER NOT NULL,
                user_id    INTEGER NOT NULL,
                language   TEXT NOT NULL,
                thread_id  INTEGER,
                notice_id  INTEGER,
                sent_at    TEXT NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS coordinator_messages_user_id "
            "ON coordinator_messages (user_id)",
            """
            CREATE TABLE IF NOT EXISTS lead_notices (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id    INTEGER NOT NULL,
                signup     TEXT NOT NULL,
                updated    INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                sent_at    TEXT,
                UNIQUE (user_id, signup)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS pending_replies (
                chat_id        INTEGER NOT NULL,
                coordinator_id INTEGER NOT NULL,
                user_id        INTEGER NOT NULL,
                language       TEXT NOT NULL,
                prompt_id      INTEGER,
                created_at     TEXT NOT NULL,
                PRIMARY KEY (chat_id, coordinator_id)
            )
            """,
        ),
    ),
    Migration(
        version=6,
        description="how each question was answered; announcements, their recipients, opt-outs",
        statements=(
            # answer / suggest ("did you mean") / fallback (declined) / handoff; NULL for a
            # question logged before this version without an entry (did-you-mean or declined).
            "ALTER TABLE questions ADD COLUMN kind TEXT",
            "UPDATE questions SET kind = 'handoff' WHERE intent = 'handoff'",
            "UPDATE questions SET kind = 'answer' WHERE intent IS NOT NULL AND kind IS NULL",
            """
            CREATE TABLE IF NOT EXISTS announcements (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                draft_key   TEXT NOT NULL UNIQUE,
                created_by  INTEGER NOT NULL,
                language    TEXT NOT NULL,
                chat_id     INTEGER NOT NULL,
                message_id  INTEGER,
                texts       TEXT NOT NULL,
                status      TEXT NOT NULL,
                created_at  TEXT NOT NULL,
                finished_at TEXT
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS announcement_recipients (
                announcement_id INTEGER NOT NULL
                    REFERENCES announcements (id) ON DELETE CASCADE,
                user_id         INTEGER NOT NULL,
                language        TEXT NOT NULL,
                status          TEXT NOT NULL,
                updated_at      TEXT NOT NULL,
                PRIMARY KEY (announcement_id, user_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS announcement_recipients_user_id "
            "ON announcement_recipients (user_id)",
            """
            CREATE TABLE IF NOT EXISTS announcement_optouts (
                user_id    INTEGER PRIMARY KEY,
                stopped_at TEXT NOT NULL
            )
            """,
        ),
    ),
    Migration(
        version=7,
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
    Migration(
        version=8,
        description="when a coordinator first answered a hand-off",
        statements=("ALTER TABLE handoffs ADD COLUMN answered_at TEXT",),
    ),
    Migration(
        version=9,
        description="the relay outbox: students' hand-off messages queued for the coordinators",
        statements=(
            """
            CREATE TABLE IF NOT EXISTS relay_outbox (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                chat_id    INTEGER NOT NULL,
                thread_id  INTEGER NOT NULL,
                user_id    INTEGER,
                update_id  INTEGER,
                language   TEXT NOT NULL,
                name       TEXT,
                text       TEXT,
                first      INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                sent_at    TEXT,
                UNIQUE (chat_id, update_id)
            )
            """,
            "CREATE INDEX IF NOT EXISTS relay_outbox_sent_at ON relay_outbox (sent_at)",
            "CREATE INDEX IF NOT EXISTS relay_outbox_user_id ON relay_outbox (user_id)",
        ),
    ),
)

SCHEMA_VERSION: Final = len(MIGRATIONS)

# Columns the code reads and writes, per table, in the newest schema. Checked at every open
# so that a pre-existing table of the same name but another shape (e.g. from an unversioned
# prototype) gives a clear error instead of failing later on the hot path.
EXPECTED_COLUMNS: Final[Mapping[str, frozenset[str]]] = {
    "user_settings": frozenset({"user_id", "language", "created_at", "updated_at"}),
    "leads": frozenset(LEAD_FIELDS),
    "questions": frozenset(
        {"id", "user_id", "asked_at", "language", "text", "intent", "score"}
        | {"reviewed", "reviewed_at", "kind", "update_id"}
    ),
    "review_groups": frozenset({"id", "listing", "position", "entries", "created_at", "resolved"}),
    "review_group_questions": frozenset({"group_id", "question_id"}),
    "announcements": frozenset(
        {
            "id",
            "draft_key",
            "created_by",
            "language",
            "chat_id",
            "message_id",
            "texts",
            "status",
            "created_at",
            "finished_at",
        }
    ),
    "announcement_recipients": frozenset(
        {"announcement_id", "user_id", "language", "status", "updated_at"}
    ),
    "announcement_optouts": frozenset({"user_id", "stopped_at"}),
    "user_data": frozenset({"user_id", "data"}),
    "chat_data": frozenset({"chat_id", "data"}),
    "bot_data": frozenset({"id", "data"}),
    "conversations": frozenset({"name", "key", "state"}),
    "digests": frozenset({"id", "since", "until", "created_at", "sent_at", "skipped"}),
    "digest_deliveries": frozenset({"digest_id", "chat_id", "parts_sent", "done"}),
    "handoffs": frozenset(
        {
            "id",
            "user_id",
            "name",
            "language",
            "status",
            "opened_at",
            "last_message_at",
            "messages",
            "closed_at",
            "closed_by",
            "close_reason",
            "answered_at",
        }
    ),
    "coordinator_messages": frozenset(
        {"chat_id", "message_id", "user_id", "language", "thread_id", "notice_id", "sent_at"}
    ),
    "lead_notices": frozenset({"id", "user_id", "signup", "updated", "created_at", "sent_at"}),
    "pending_replies": frozenset(
        {"chat_id", "coordinator_id", "user_id", "language", "prompt_id", "created_at"}
    ),
    "inbox": frozenset({"update_id", "user_id", "payload", "received_at", "done_at"}),
    "relay_outbox": frozenset(
        {"id", "chat_id", "thread_id", "user_id", "update_id", "language", "name", "text"}
        | {"first", "created_at", "sent_at"}
    ),
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
