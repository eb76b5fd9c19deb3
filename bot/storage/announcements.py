"""Announcements to the students who signed up: what was sent, to whom, how it went, and who
asked to receive none.

An announcement is created with its recipients in one transaction: every student with a lead
(a lead exists only with consent) who has not opted out, each with the language they will get
it in (their /language choice, else the language of their sign-up). Each recipient goes
``pending`` → ``sent`` / ``blocked`` (the student blocked the bot) / ``failed`` / ``skipped``
(they used /stop or /forget before their turn). The sender records each outcome right after
the Bot API answered, so an announcement interrupted by a restart resumes with the pending
ones only.

Nothing is stored that a student did not give: their Telegram id, the language, and the
outcome. ``/forget`` deletes the student's recipient rows and their opt-out (see
:meth:`AnnouncementStore._forget`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import aiosqlite

from bot.storage.codec import from_iso, iso
from bot.storage.database import Store
from bot.storage.rows import from_row, select

SENDING, DONE = "sending", "done"
PENDING, SENT, BLOCKED, FAILED, SKIPPED = "pending", "sent", "blocked", "failed", "skipped"
OUTCOMES: Final = (SENT, BLOCKED, FAILED, SKIPPED)
DEFAULT_TEXT: Final = "all"  # the key of the text for every language without its own version

# Students who may receive an announcement, with the language they get it in.
_AUDIENCE: Final = (
    "SELECT l.user_id AS user_id, COALESCE(s.language, l.language) AS language FROM leads AS l "
    "LEFT JOIN user_settings AS s ON s.user_id = l.user_id "
    "WHERE l.user_id NOT IN (SELECT user_id FROM announcement_optouts)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Announcement:
    """A coordinator's announcement. ``texts`` maps a language (or :data:`DEFAULT_TEXT`) to
    the Telegram HTML the coordinator wrote; ``chat_id``/``message_id`` is the progress
    message in the coordinator's chat, ``language`` the coordinator's."""

    id: int
    draft_key: str
    created_by: int
    language: str
    chat_id: int
    message_id: int | None
    texts: dict[str, str]
    status: str
    created_at: datetime
    finished_at: datetime | None

    def text_for(self, lang: str) -> str:
        """The version in ``lang``, else the text for everyone."""
        return self.texts.get(lang) or self.texts[DEFAULT_TEXT]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A student an announcement is (still) to be sent to."""

    user_id: int
    language: str


_SELECT: Final = select(Announcement, "announcements")


class AnnouncementStore(Store):
    """``announcements``, ``announcement_recipients`` and ``announcement_optouts``."""

    async def announcement_audience(self) -> dict[str, int]:
        """How many students an announcement made now would reach, per language."""
        rows = await self._db.fetchall(
            f"SELECT language, COUNT(*) FROM ({_AUDIENCE}) GROUP BY language"
        )
        return {str(lang): int(count) for lang, count in rows}

    async def create_announcement(
        self,
        draft_key: str,
        *,
        created_by: int,
        language: str,
        chat_id: int,
        texts: dict[str, str],
    ) -> tuple[Announcement, bool]:
        """Create the announcement and its recipients (committed on return); ``(it, True)``.

        A second call with the same ``draft_key`` (a Confirm pressed twice, an update handled
        again after a restart) creates nothing and returns ``(the first one, False)``.
        """
        if not texts.get(DEFAULT_TEXT):
            raise ValueError("an announcement needs a text for everyone")
        now = iso(self._db.now())
        async with self._db.locked() as session:
            async with session.transaction() as db:
                cursor = await db.execute(
                    "INSERT INTO announcements (draft_key, created_by, language, chat_id, "
                    "texts, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (draft_key) DO NOTHING",
                    (draft_key, created_by, language, chat_id, json.dumps(texts), SENDING, now),
                )
                created = cursor.rowcount > 0
                if created:
                    await db.execute(
                        "INSERT INTO announcement_recipients "
                        "(announcement_id, user_id, language, status, updated_at) "
                        f"SELECT ?, a.user_id, a.language, ?, ? FROM ({_AUDIENCE}) AS a",
                        (cursor.lastrowid, PENDING, now),
                    )
            rows = await session.fetchall(f"{_SELECT} WHERE draft_key = ?", (draft_key,))
        return from_row(Announcement, rows[0]), created

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        """One announcement."""
        rows = await self._db.fetchall(f"{_SELECT} WHERE id = ?", (announcement_id,))
        return from_row(Announcement, rows[0]) if rows else None

    async def unfinished_announcements(self) -> list[Announcement]:
        """Announcements still being sent (e.g. interrupted by a restart), oldest first."""
        rows = await self._db.fetchall(f"{_SELECT} WHERE status = ? ORDER BY id", (SENDING,))
        return [from_row(Announcement, row) for row in rows]

    async def set_progress_message(self, announcement_id: int, message_id: int) -> None:
        """Remember the progress message in the coordinator's chat (to edit it on resume)."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE announcements SET message_id = ? WHERE id = ?",
                (message_id, announcement_id),
            )

    async def pending_recipients(self, announcement_id: int, limit: int = 500) -> list[Recipient]:
        """Recipients not yet handled, in a stable order."""
        rows = await self._db.fetchall(
            "SELECT user_id, language FROM announcement_recipients "
            "WHERE announcement_id = ? AND status = ? ORDER BY user_id LIMIT ?",
            (announcement_id, PENDING, limit),
        )
        return [Recipient(user_id, language) for user_id, language in rows]

    async def may_send(self, announcement_id: int, user_id: int) -> bool:
        """Whether the recipient is still pending, still signed up and has not opted out; if
        not, a pending recipient is marked ``skipped`` (committed). Asked right before the send."""
        async with self._db.locked() as session:
            rows = await session.fetchall(
                "SELECT r.status, l.user_id IS NOT NULL, o.user_id IS NOT NULL "
                "FROM announcement_recipients AS r "
                "LEFT JOIN leads AS l ON l.user_id = r.user_id "
                "LEFT JOIN announcement_optouts AS o ON o.user_id = r.user_id "
                "WHERE r.announcement_id = ? AND r.user_id = ?",
                (announcement_id, user_id),
            )
            if not rows or rows[0][0] != PENDING:
                return False
            if rows[0][1] and not rows[0][2]:
                return True
            async with session.transaction() as db:
                await self._set_outcome(db, announcement_id, user_id, SKIPPED)
        return False

    async def record_outcome(self, announcement_id: int, user_id: int, outcome: str) -> None:
        """Record how the send to one recipient ended; committed when this returns. A
        recipient deleted meanwhile (``/forget``) stays deleted."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        async with self._db.transaction() as db:
            await self._set_outcome(db, announcement_id, user_id, outcome)

    async def _set_outcome(
        self, db: aiosqlite.Connection, announcement_id: int, user_id: int, outcome: str
    ) -> None:
        await db.execute(
            "UPDATE announcement_recipients SET status = ?, updated_at = ? "
            "WHERE announcement_id = ? AND user_id = ? AND status = ?",
            (outcome, iso(self._db.now()), announcement_id, user_id, PENDING),
        )

    async def announcement_counts(self, announcement_id: int) -> dict[str, int]:
        """Recipients per status (``pending``, ``sent``, ``blocked``, ``failed``, ``skipped``)."""
        rows = await self._db.fetchall(
            "SELECT status, COUNT(*) FROM announcement_recipients "
            "WHERE announcement_id = ? GROUP BY status",
            (announcement_id,),
        )
        counts = dict.fromkeys((PENDING, *OUTCOMES), 0)
        counts.update({str(status): int(count) for status, count in rows})
        return counts

    async def finish_announcement(self, announcement_id: int) -> None:
        """Mark the announcement as completely sent."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE announcements SET status = ?, finished_at = ? WHERE id = ?",
                (DONE, iso(self._db.now()), announcement_id),
            )

    async def purge_recipients_without_lead(self) -> int:
        """Delete the recipient rows of finished announcements whose student no longer has a
        lead (purged for age): the records do not outlive the sign-up. Returns the count."""
        return await self._db.delete(
            "DELETE FROM announcement_recipients WHERE user_id NOT IN "
            "(SELECT user_id FROM leads) AND announcement_id IN "
            "(SELECT id FROM announcements WHERE status = ?)",
            (DONE,),
            checkpoint=True,
        )

    # ----------------------------------------------------------------- opting out

    async def stop_announcements(self, user_id: int) -> None:
        """The student receives no more announcements (committed on return); their pending
        recipient rows are skipped. Kept until they ask again or use ``/forget``."""
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO announcement_optouts (user_id, stopped_at) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO NOTHING",
                (user_id, now),
            )
            await db.execute(
                "UPDATE announcement_recipients SET status = ?, updated_at = ? "
                "WHERE user_id = ? AND status = ?",
                (SKIPPED, now, user_id, PENDING),
            )

    async def resume_announcements(self, user_id: int) -> None:
        """The student asked to receive announcements again (committed on return)."""
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM announcement_optouts WHERE user_id = ?", (user_id,))

    async def announcements_stopped(self, user_id: int) -> datetime | None:
        """When the student stopped announcements, or None if they receive them."""
        rows = await self._db.fetchall(
            "SELECT stopped_at FROM announcement_optouts WHERE user_id = ?", (user_id,)
        )
        return from_iso(rows[0][0]) if rows else None

    async def announcements_received(self, user_id: int) -> int:
        """How many announcements the student was sent (for ``/mydata``)."""
        rows = await self._db.fetchall(
            "SELECT COUNT(*) FROM announcement_recipients WHERE user_id = ? AND status = ?",
            (user_id, SENT),
        )
        return int(rows[0][0])

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        cursor = await db.execute(
            "DELETE FROM announcement_recipients WHERE user_id = ?", (user_id,)
        )
        deleted = max(cursor.rowcount, 0)
        cursor = await db.execute("DELETE FROM announcement_optouts WHERE user_id = ?", (user_id,))
        counts["announcements"] = deleted + max(cursor.rowcount, 0)
