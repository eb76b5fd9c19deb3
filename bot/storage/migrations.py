"""The schema's migrations, oldest first: the SQL that builds the database, step by step.

This module is data: append a new :class:`Migration` at the end; never edit one that has been
released (a database that already has its version will not run it again). The code that
applies them and checks the result is :mod:`bot.storage.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass


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
# already has its version will not run it again).
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
