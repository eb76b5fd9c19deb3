"""What links coordinators' messages to students: hand-off threads, the messages the bot sent
to the coordinators (reports and sign-up notices), the sign-up notices' outbox, and pending
"Reply to student" prompts.

A coordinator's answer goes to the student the bot stored with the message answered to (its
chat and message id), never to anyone named in a message's text. Open threads and pending
replies are cached in memory (the bot is the only writer), so the handlers' filters need no
disk access.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

import aiosqlite

from bot.storage.codec import from_iso, iso
from bot.storage.database import Database, Session, Store
from bot.storage.rows import columns, from_row, select

WAITING: Final = "waiting"  # the student was asked for a question, none sent yet
OPEN: Final = "open"
CLOSED: Final = "closed"


@dataclass(frozen=True, slots=True)
class Thread:
    """A hand-off conversation between one student and the coordinators."""

    id: int
    user_id: int
    name: str
    language: str
    status: str
    opened_at: datetime
    last_message_at: datetime
    messages: int = 0
    closed_at: datetime | None = None
    closed_by: int | None = None
    close_reason: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent to a coordinators' chat, and the student it is about."""

    chat_id: int
    message_id: int
    user_id: int
    language: str
    thread_id: int | None = None
    notice_id: int | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A sign-up notice for the coordinators: queued when the lead is committed, marked sent
    together with the messages that carry it."""

    id: int
    user_id: int
    updated: bool
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingReply:
    """A coordinator pressed "Reply to student": their next message goes to ``user_id``, until
    it expires (``created_at``, set when stored, plus the caller's ``max_age``)."""

    chat_id: int
    coordinator_id: int
    user_id: int
    language: str
    prompt_id: int | None
    created_at: datetime | None = None


_THREADS: Final = select(Thread, "handoffs")
_MESSAGES: Final = select(SentMessage, "coordinator_messages")
_NOTICES: Final = select(Notice, "lead_notices")


class HandoffStore(Store):
    """``handoffs``, ``coordinator_messages``, ``lead_notices``, ``pending_replies``."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._threads: dict[int, Thread] = {}  # user id -> the student's waiting/open thread
        self._pending: dict[tuple[int, int], PendingReply] = {}

    async def load(self, session: Session) -> None:
        rows = await session.fetchall(f"{_THREADS} WHERE status != ? ORDER BY id", (CLOSED,))
        threads = [from_row(Thread, row) for row in rows]
        self._threads = {thread.user_id: thread for thread in threads}
        rows = await session.fetchall(select(PendingReply, "pending_replies"))
        pending = [from_row(PendingReply, row) for row in rows]
        self._pending = {(p.chat_id, p.coordinator_id): p for p in pending}

    # ----------------------------------------------------------------- threads

    def current_thread(self, user_id: int) -> Thread | None:
        """The student's waiting or open thread, from memory."""
        return self._threads.get(user_id)

    def open_threads(self) -> list[Thread]:
        """Every thread with a student message in it that is not closed, oldest first."""
        return sorted(
            (t for t in self._threads.values() if t.status == OPEN), key=lambda t: t.opened_at
        )

    async def start_thread(self, user_id: int, name: str, language: str, status: str) -> Thread:
        """The student's current thread, or a new one in ``status`` (``waiting`` when the
        student asked to talk, ``open`` when a coordinator writes first)."""
        current = self._threads.get(user_id)
        if current is not None:
            return current
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO handoffs (user_id, name, language, status, opened_at, "
                "last_message_at, messages) VALUES (?, ?, ?, ?, ?, ?, 0)",
                (user_id, name, language, status, now, now),
            )
            thread_id = int(cursor.lastrowid or 0)
        thread = Thread(thread_id, user_id, name, language, status, from_iso(now), from_iso(now), 0)
        self._threads[user_id] = thread
        return thread

    async def touch_thread(
        self, thread: Thread, *, student_message: bool, name: str | None = None
    ) -> Thread:
        """A message went through the thread: it is open, its 48-hour clock restarts. A
        thread closed meanwhile stays closed (and is returned unchanged)."""
        now = self._db.now()
        messages = thread.messages + (1 if student_message else 0)
        answered = None if student_message else iso(now)  # a coordinator's answer
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "UPDATE handoffs SET status = ?, last_message_at = ?, messages = ?, name = ?, "
                "answered_at = COALESCE(answered_at, ?) WHERE id = ? AND status != ?",
                (OPEN, iso(now), messages, name or thread.name, answered, thread.id, CLOSED),
            )
            changed = cursor.rowcount > 0
        if not changed:
            return thread
        touched = replace(
            thread, status=OPEN, last_message_at=now, messages=messages, name=name or thread.name
        )
        self._threads[thread.user_id] = touched
        return touched

    async def handoff_counts(self, since: datetime) -> tuple[int, int]:
        """Conversations opened at or after ``since``, and how many a coordinator answered."""
        rows = await self._db.fetchall(
            "SELECT count(*), count(answered_at) FROM handoffs WHERE opened_at >= ?",
            (iso(since),),
        )
        return int(rows[0][0]), int(rows[0][1])

    async def close_thread(
        self, thread_id: int, reason: str, by: int | None = None
    ) -> Thread | None:
        """Close a thread; the closed thread, or None if it was closed already (or is gone)."""
        now = iso(self._db.now())
        async with self._db.locked() as session:
            async with session.transaction() as db:
                cursor = await db.execute(
                    "UPDATE handoffs SET status = ?, closed_at = ?, closed_by = ?, "
                    "close_reason = ? WHERE id = ? AND status != ?",
                    (CLOSED, now, by, reason, thread_id, CLOSED),
                )
                changed = cursor.rowcount > 0
            rows = await session.fetchall(f"{_THREADS} WHERE id = ?", (thread_id,))
        if not rows:
            return None
        thread = from_row(Thread, rows[0])
        if self._threads.get(thread.user_id, thread).id == thread_id:
            self._threads.pop(thread.user_id, None)
        return thread if changed else None

    async def get_thread(self, thread_id: int) -> Thread | None:
        """A thread by id."""
        rows = await self._db.fetchall(f"{_THREADS} WHERE id = ?", (thread_id,))
        return from_row(Thread, rows[0]) if rows else None

    async def user_threads(self, user_id: int) -> list[Thread]:
        """Every thread of the student, oldest first (for /mydata)."""
        rows = await self._db.fetchall(f"{_THREADS} WHERE user_id = ? ORDER BY id", (user_id,))
        return [from_row(Thread, row) for row in rows]

    def expired_threads(self, idle: timedelta, now: datetime | None = None) -> list[Thread]:
        """Waiting or open threads without a message for ``idle``."""
        cutoff = (now or self._db.now()) - idle
        return [t for t in self._threads.values() if t.last_message_at < cutoff]

    # ----------------------------------------------------------------- messages sent

    async def record_sent(self, messages: list[SentMessage]) -> None:
        """Remember which student each message sent to the coordinators is about."""
        if not messages:
            return
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            await insert_sent(db, messages, now)

    async def sent_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """What the bot stored about a message it sent to the coordinators, if anything."""
        rows = await self._db.fetchall(
            f"{_MESSAGES} WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return from_row(SentMessage, rows[0]) if rows else None

    # ----------------------------------------------------------------- sign-up notices

    async def queue_notice(self, user_id: int, signup: datetime, *, updated: bool) -> Notice:
        """The notice of one confirmed sign-up (``signup``: its consent time), queued once: a
        confirmation handled twice finds the notice it queued the first time."""
        async with self._db.locked() as session:
            async with session.transaction() as db:
                await db.execute(
                    "INSERT OR IGNORE INTO lead_notices (user_id, signup, updated, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (user_id, iso(signup), int(updated), iso(self._db.now())),
                )
            rows = await session.fetchall(
                f"{_NOTICES} WHERE user_id = ? AND signup = ?",
                (user_id, iso(signup)),
            )
        return from_row(Notice, rows[0])

    async def unsent_notices(self) -> list[Notice]:
        """Notices queued but not sent (the bot stopped in between, or Telegram failed)."""
        rows = await self._db.fetchall(f"{_NOTICES} WHERE sent_at IS NULL ORDER BY id")
        return [from_row(Notice, row) for row in rows]

    async def get_notice(self, notice_id: int) -> Notice | None:
        """A notice by id."""
        rows = await self._db.fetchall(
            f"{_NOTICES} WHERE id = ?",
            (notice_id,),
        )
        return from_row(Notice, rows[0]) if rows else None

    async def mark_notice_sent(self, notice_id: int, messages: list[SentMessage]) -> None:
        """The notice went out as ``messages``: both are recorded in one transaction."""
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            await db.execute("UPDATE lead_notices SET sent_at = ? WHERE id = ?", (now, notice_id))
            await insert_sent(db, messages, now)

    async def drop_notice(self, notice_id: int) -> None:
        """A notice that cannot be sent any more (its lead is gone)."""
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM lead_notices WHERE id = ?", (notice_id,))

    # ----------------------------------------------------------------- pending replies

    def pending_reply(
        self, chat_id: int, coordinator_id: int, max_age: timedelta | None = None
    ) -> PendingReply | None:
        """The student a coordinator's next message in ``chat_id`` goes to, from memory; with
        ``max_age``, only if it was stored less than that long ago (an older one has expired,
        also across restarts: its time is stored with it)."""
        pending = self._pending.get((chat_id, coordinator_id))
        if pending is None or max_age is None:
            return pending
        created = pending.created_at
        return pending if created is not None and created > self._db.now() - max_age else None

    async def set_pending_reply(self, pending: PendingReply) -> None:
        """Remember a pressed "Reply to student" (replacing an earlier one), from now."""
        now = self._db.now()
        pending = replace(pending, created_at=now)
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO pending_replies (chat_id, coordinator_id, user_id, "
                "language, prompt_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    pending.chat_id,
                    pending.coordinator_id,
                    pending.user_id,
                    pending.language,
                    pending.prompt_id,
                    iso(now),
                ),
            )
        self._pending[(pending.chat_id, pending.coordinator_id)] = pending

    async def clear_pending_reply(self, chat_id: int, coordinator_id: int) -> bool:
        """Forget a pending reply; whether there was one."""
        if (chat_id, coordinator_id) not in self._pending:
            return False
        async with self._db.transaction() as db:
            await db.execute(
                "DELETE FROM pending_replies WHERE chat_id = ? AND coordinator_id = ?",
                (chat_id, coordinator_id),
            )
        self._pending.pop((chat_id, coordinator_id), None)
        return True

    # ----------------------------------------------------------------- retention, /forget

    async def purge_handoffs(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete threads closed more than ``older_than`` ago, and the links of messages sent
        to the coordinators as long ago; return how many threads went."""
        cutoff = iso((now if now is not None else self._db.now()) - older_than)
        async with self._db.locked() as session:
            async with session.transaction() as db:
                cursor = await db.execute(
                    "DELETE FROM handoffs WHERE status = ? AND closed_at < ?", (CLOSED, cutoff)
                )
                count = max(cursor.rowcount, 0)
                await db.execute("DELETE FROM coordinator_messages WHERE sent_at < ?", (cutoff,))
                await db.execute(
                    "DELETE FROM lead_notices WHERE sent_at IS NOT NULL AND sent_at < ?",
                    (cutoff,),
                )
                await db.execute("DELETE FROM pending_replies WHERE created_at < ?", (cutoff,))
            await session.checkpoint()
        for key, pending in list(self._pending.items()):
            if pending.created_at is None or iso(pending.created_at) < cutoff:
                del self._pending[key]
        return count

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        cursor = await db.execute("DELETE FROM handoffs WHERE user_id = ?", (user_id,))
        counts["handoffs"] = max(cursor.rowcount, 0)
        cursor = await db.execute("DELETE FROM coordinator_messages WHERE user_id = ?", (user_id,))
        counts["coordinator_messages"] = max(cursor.rowcount, 0)
        await db.execute("DELETE FROM lead_notices WHERE user_id = ?", (user_id,))
        await db.execute("DELETE FROM pending_replies WHERE user_id = ?", (user_id,))

    def drop_cached(self, user_id: int) -> None:
        self._threads.pop(user_id, None)
        for key, pending in list(self._pending.items()):
            if pending.user_id == user_id:
                del self._pending[key]


async def insert_sent(db: aiosqlite.Connection, messages: list[SentMessage], now: str) -> None:
    """Record, inside the caller's transaction, which student each message is about."""
    await db.executemany(
        f"INSERT OR REPLACE INTO coordinator_messages ({columns(SentMessage)}, sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (m.chat_id, m.message_id, m.user_id, m.language, m.thread_id, m.notice_id, now)
            for m in messages
        ],
    )
