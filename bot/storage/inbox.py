"""The update inbox: every update received from Telegram, kept until it has been handled.

An update is committed here (``synchronous=FULL``) *before* Telegram is told it arrived (the
next ``getUpdates`` offset, or the webhook's HTTP 200); when its handlers have finished and the
persistence is written it is marked done. A done row keeps only its ``update_id`` and time (no
payload, no user id) for :data:`TOMBSTONE_TTL` — as long as Telegram may deliver an update
again — so that a redelivered update is recognised and not handled twice; then it is deleted.
Pending rows hold personal data (the raw update): ``/forget`` deletes the user's.

The done mark is written with ``synchronous=NORMAL``: it survives the process being killed
(the WAL is in the operating system's cache); a power cut may lose the last marks, and those
updates are then handled again, which the handlers tolerate. The questions logged while
handling are written in the same transaction as the done mark, so a question is in the log
exactly when its update is done.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Final

import aiosqlite

from bot.storage.codec import JSONDict, iso
from bot.storage.database import Database, Store
from bot.storage.questions import QuestionStore, insert_questions
from bot.storage.state import StateStore

TOMBSTONE_TTL: Final = timedelta(hours=24)  # Telegram keeps unconfirmed updates for 24 hours
_SENDER_FIELDS: Final = ("from", "user", "voter_chat")


def sender_of(update: JSONDict) -> int | None:
    """The id of the user an update comes from (read from the raw JSON, before parsing)."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        for field in _SENDER_FIELDS:
            sender = value.get(field)
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
        chat = value.get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return None


class InboxStore(Store):
    """``inbox``: updates received and not yet handled, and tombstones of handled ones."""

    def __init__(self, db: Database, questions: QuestionStore, state: StateStore) -> None:
        super().__init__(db)
        self._questions, self._state = questions, state

    async def inbox_add(self, updates: Iterable[JSONDict]) -> list[JSONDict]:
        """Commit the updates not received before, in one transaction; return those, in order.

        Updates already in the inbox (pending or done) are left out: a redelivery. The whole
        transaction, fsync included, is one job of the database thread, so the event loop is
        free until it is committed (the bot matches the new texts meanwhile)."""
        batch = {u["update_id"]: u for u in updates if isinstance(u.get("update_id"), int)}
        if not batch:
            return []
        now = iso(self._db.now())
        async with self._db.locked() as session:
            connection = session.connection
            # aiosqlite's own way to run a function in its thread (pinned: aiosqlite < 1).
            fresh: list[JSONDict] = await connection._execute(
                lambda: _add(connection._conn, batch, now)
            )
        return fresh

    async def inbox_pending(self) -> list[JSONDict]:
        """The updates received but not handled, oldest first (to handle them at start)."""
        rows = await self._db.fetchall(
            "SELECT payload FROM inbox WHERE done_at IS NULL ORDER BY update_id"
        )
        return [json.loads(row[0]) for row in rows]

    async def inbox_done(self, update_ids: Sequence[int]) -> None:
        """Mark updates handled (payload and user id dropped), with the questions logged so far
        and the deferred user_data, committed without waiting for the disk."""
        now = iso(self._db.now())
        async with self._db.locked() as session:
            with self._questions.taken() as rows:
                async with session.transaction(relaxed=True) as db:
                    await insert_questions(db, rows)
                    await self._state.write_deferred(db)
                    await db.executemany(
                        "UPDATE inbox SET payload = NULL, user_id = NULL, done_at = ? "
                        "WHERE update_id = ?",
                        [(now, update_id) for update_id in update_ids],
                    )

    async def inbox_prune(self, older_than: timedelta = TOMBSTONE_TTL) -> int:
        """Delete tombstones of updates handled more than ``older_than`` ago."""
        sql = "DELETE FROM inbox WHERE done_at < ?"
        return await self._db.delete_older(sql, older_than, checkpoint=False)

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        await db.execute("DELETE FROM inbox WHERE user_id = ?", (user_id,))


def _add(db: sqlite3.Connection, batch: dict[int, JSONDict], now: str) -> list[JSONDict]:
    """``inbox_add``'s transaction, in the database thread."""
    db.execute("BEGIN IMMEDIATE")
    try:
        marks = ",".join("?" * len(batch))
        known = {
            row[0]
            for row in db.execute(
                f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", tuple(batch)
            )
        }
        fresh = [batch[i] for i in sorted(batch) if i not in known]
        db.executemany(
            "INSERT INTO inbox (update_id, user_id, payload, received_at) VALUES (?, ?, ?, ?)",
            [(u["update_id"], sender_of(u), json.dumps(u, ensure_ascii=False), now) for u in fresh],
        )
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")
    return fresh
