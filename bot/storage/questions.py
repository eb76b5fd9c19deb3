"""The question log: every question asked, with the entry that answered it or none.

``log_question`` is on the hot path and only appends to an in-memory buffer. The buffer is
written in one ``executemany`` transaction at most ``question_flush_interval`` seconds later,
when it holds ``question_buffer_size`` rows, before any read of the questions, at close, and
in the transaction that marks an update of the inbox done (:mod:`bot.storage.inbox`): a
question asked in an update is in the log once that update is done. A question carries the
id of its update, and one update logs a question at most once (an update handled again after
a crash does not log it twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import aiosqlite

from bot.storage.codec import JSONDict, iso
from bot.storage.database import Database, Session, Store
from bot.storage.errors import StorageError
from bot.storage.rows import select

_LOGGER = logging.getLogger(__name__)


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
        """JSON-friendly copy."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "asked_at": iso(self.asked_at),
            "language": self.language,
            "text": self.text,
            "intent": self.intent,
            "score": self.score,
        }


QUESTION_SELECT: Final = select(Question, "questions")
QuestionRow = tuple[int, str, str, str, str | None, float | None, str | None, int | None]


class QuestionStore(Store):
    """``questions``, written in batches."""

    def __init__(
        self, db: Database, *, flush_interval: float = 0.5, buffer_size: int = 100
    ) -> None:
        super().__init__(db)
        self._flush_interval = flush_interval
        self._buffer_size = buffer_size
        self._pending: list[QuestionRow] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flush_task: asyncio.Task[None] | None = None

    async def before_close(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._flush_task is not None:
            with contextlib.suppress(Exception):
                await self._flush_task
        await self.flush()

    async def log_question(
        self,
        user_id: int,
        language: str,
        text: str,
        intent: str | None,
        score: float | None,
        *,
        kind: str | None = None,
        update_id: int | None = None,
    ) -> None:
        """Buffer a question for logging (no disk access; written within the flush interval).

        ``intent`` None marks the question as unanswered. ``kind`` says how it was answered
        (the assistant's reply kind: ``answer``, ``suggest``, ``fallback`` …, or ``handoff``);
        the statistics tell "did you mean" from "declined" by it. ``update_id`` (the update
        that asked it) makes the logging idempotent: the same user and update are logged once.
        """
        if self._db.closed:
            raise StorageError(f"storage {self._db.path} is closed")
        row = (user_id, iso(self._db.now()), language, text, intent, score, kind, update_id)
        self._pending.append(row)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        """Arrange for the buffer to be written: now if it is full, else after the interval."""
        if self._flush_task is not None or not self._pending:
            return  # a running flush re-checks the buffer when it ends
        full = len(self._pending) >= self._buffer_size
        if self._flush_handle is not None:
            if not full:
                return
            self._flush_handle.cancel()
        delay = 0.0 if full else self._flush_interval
        self._flush_handle = asyncio.get_running_loop().call_later(delay, self._start_flush_task)

    def _start_flush_task(self) -> None:
        self._flush_handle = None
        if self._db.closed or self._flush_task is not None:
            return
        self._flush_task = asyncio.get_running_loop().create_task(self._background_flush())

    async def _background_flush(self) -> None:
        try:
            await self.flush()
        except Exception:
            _LOGGER.exception("Writing %d logged questions failed", len(self._pending))
        finally:
            self._flush_task = None
        if not self._db.closed:
            self._schedule_flush()

    async def flush(self) -> None:
        """Write the buffered questions now (also done automatically)."""
        async with self._db.locked() as session:
            await self.write_pending(session)

    async def write_pending(self, session: Session) -> None:
        """Write the buffered questions in one transaction of ``session``."""
        with self.taken() as rows:
            if rows:
                async with session.transaction() as db:
                    await insert_questions(db, rows)

    @contextlib.asynccontextmanager
    async def flushed(self) -> AsyncIterator[Session]:
        """Hold the lock, the buffered questions written: for reads of the questions."""
        async with self._db.locked() as session:
            await self.write_pending(session)
            yield session

    @contextlib.contextmanager
    def taken(self) -> Iterator[list[QuestionRow]]:
        """Take the buffered questions for writing (lock held); they go back to the buffer if
        the writing fails."""
        rows, self._pending = self._pending, []
        try:
            yield rows
        except BaseException:
            self._pending[:0] = rows  # keep them for the next attempt
            raise

    async def existing_questions(self, ids: Iterable[int]) -> set[int]:
        """Which of the question ids ``ids`` are still stored."""
        wanted = sorted(set(ids))
        found: set[int] = set()
        async with self._db.locked() as session:
            for start in range(0, len(wanted), 500):  # SQLite's limit on parameters
                part = wanted[start : start + 500]
                rows = await session.fetchall(
                    f"SELECT id FROM questions WHERE id IN ({', '.join('?' * len(part))})", part
                )
                found.update(int(row[0]) for row in rows)
        return found

    async def purge_questions(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete questions asked more than ``older_than`` before ``now``; return the count."""
        await self.flush()
        return await self._db.delete_older(
            "DELETE FROM questions WHERE asked_at < ?", older_than, now
        )

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        kept = [row for row in self._pending if row[0] != user_id]
        buffered = len(self._pending) - len(kept)
        self._pending = kept
        cursor = await db.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
        counts["questions"] = max(cursor.rowcount, 0) + buffered


async def insert_questions(db: aiosqlite.Connection, rows: list[QuestionRow]) -> None:
    """Insert questions inside the caller's transaction (one per user and update)."""
    if rows:
        await db.executemany(
            "INSERT OR IGNORE INTO questions "
            "(user_id, asked_at, language, text, intent, score, kind, update_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
