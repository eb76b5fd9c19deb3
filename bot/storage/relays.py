"""The relay outbox: a student's messages in a hand-off, stored before they go to the
coordinators' chats.

The handler stores each message (one row per coordinators' chat) and returns at once; a job
sends what is queued, several messages of a thread combined into one (see
:mod:`bot.telegram.relay_batches`). A row is marked sent together with the messages that
carried it, in one transaction; a sent row keeps no personal data (no text, name or user
id) — only its chat, thread and update id, so that the same update handled again after a
crash is not queued a second time — and is deleted after :data:`SENT_TTL`. ``/forget``
deletes the student's queued rows (they are then never sent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import aiosqlite

from bot.storage.codec import iso
from bot.storage.database import Store
from bot.storage.handoffs import SentMessage, insert_sent
from bot.storage.rows import from_row, select

SENT_TTL: Final = timedelta(hours=24)  # as long as Telegram may deliver an update again


@dataclass(frozen=True, slots=True)
class Relay:
    """One student message waiting to be sent to one coordinators' chat."""

    id: int
    chat_id: int
    thread_id: int
    user_id: int
    update_id: int | None
    language: str
    name: str  # the student's display name as shown to coordinators (escaped)
    text: str
    first: bool  # the thread's first message: it opens the conversation


class RelayStore(Store):
    """``relay_outbox``."""

    async def queue_relays(
        self,
        chats: Sequence[int],
        *,
        thread_id: int,
        user_id: int,
        update_id: int | None,
        language: str,
        name: str,
        text: str,
        first: bool,
    ) -> None:
        """Queue a student's message for each coordinators' chat, committed. The same update
        queued again (handled again after a crash) is left out."""
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO relay_outbox (chat_id, thread_id, user_id, update_id, "
                "language, name, text, first, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (chat, thread_id, user_id, update_id, language, name, text, int(first), now)
                    for chat in chats
                ],
            )

    async def queued_relays(self) -> list[Relay]:
        """Every message not sent yet, in the order received."""
        rows = await self._db.fetchall(
            f"{select(Relay, 'relay_outbox')} WHERE sent_at IS NULL ORDER BY id"
        )
        return [from_row(Relay, row) for row in rows]

    async def relays_sent(self, relay_ids: Sequence[int], messages: list[SentMessage]) -> None:
        """``messages`` went out, completing the rows ``relay_ids``: both recorded at once."""
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            await db.executemany(
                "UPDATE relay_outbox SET sent_at = ?, user_id = NULL, name = NULL, text = NULL "
                "WHERE id = ?",
                [(now, relay_id) for relay_id in relay_ids],
            )
            await insert_sent(db, messages, now)

    async def prune_relays(self, older_than: timedelta = SENT_TTL) -> int:
        """Delete the marks of rows sent more than ``older_than`` ago."""
        sql = "DELETE FROM relay_outbox WHERE sent_at < ?"
        return await self._db.delete_older(sql, older_than, checkpoint=False)

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        await db.execute("DELETE FROM relay_outbox WHERE user_id = ?", (user_id,))
