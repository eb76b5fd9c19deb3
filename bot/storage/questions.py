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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import aiosqlite

from bot.storage.codec import JSONDict, from_iso, iso
from bot.storage.database import Database
from bot.storage.errors import StorageError

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


QUESTION_SELECT: Final = (
    "SELECT id, user_id, asked_at, language, text, intent, score FROM questions"
)
_QuestionRow = tuple[int, str, str, str, str | None, float | None, str | None, int | None]


def row_to_question(row: tuple[Any, ...]) -> Question:
    """A question from a row selected with :data:`QUESTION_SELECT`."""
    return Question(
        id=row[0],
        user_id=row[1],
        asked_at=from_iso(row[2]),
        language=row[3],
        text=row[4],
        intent=row[5],
        score=row[6],
    )


class QuestionStore(Database):
    """``questions``, written in batches."""

    def __init__(
        self,
        *args: Any,
        question_flush_interval: float = 0.5,
        question_buffer_size: int = 100,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._question_flush_interval = question_flush_interval
        self._question_buffer_size = question_buffer_size
        self._pending_questions: list[_QuestionRow] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flush_task: asyncio.Task[None] | None = None

    async def _before_close(self) -> None:
        await super()._before_close()
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._flush_task is not None:
            with contextlib.suppress(Exception):
                await self._flush_task
        async with self._lock:
            await self._write_pending_questions()

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
        if self._conn is None:
            raise StorageError(f"storage {self.path} is closed")
        row = (user_id, iso(self._clock()), language, text, intent, score, kind, update_id)
        self._pending_questions.append(row)
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
        with self._questions_taken() as rows:
            if rows:
                async with self._transaction() as db:
                    await self._insert_questions(db, rows)

    @contextlib.contextmanager
    def _questions_taken(self) -> Iterator[list[_QuestionRow]]:
        """Take the buffered questions for writing; they go back to the buffer if the writing
        fails. Caller holds the lock."""
        rows, self._pending_questions = self._pending_questions, []
        try:
            yield rows
        except BaseException:
            self._pending_questions[:0] = rows  # keep them for the next attempt
            raise

    @staticmethod
    async def _insert_questions(db: aiosqlite.Connection, rows: list[_QuestionRow]) -> None:
        """Insert questions inside the caller's transaction (one per user and update)."""
        if rows:
            await db.executemany(
                "INSERT OR IGNORE INTO questions "
                "(user_id, asked_at, language, text, intent, score, kind, update_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    async def flush_questions(self) -> None:
        """Write buffered questions now (also done automatically)."""
        async with self._lock:
            await self._write_pending_questions()

    async def unanswered_questions(
        self, since: datetime | None = None, limit: int = 100
    ) -> list[Question]:
        """Questions without an intent asked at or after ``since``, newest first."""
        sql = f"{QUESTION_SELECT} WHERE intent IS NULL"
        params: list[Any] = []
        if since is not None:
            sql += " AND asked_at >= ?"
            params.append(iso(since))
        return await self._newest(sql, params, limit)

    async def recent_questions(self, limit: int = 50, user_id: int | None = None) -> list[Question]:
        """The latest questions (of one user if ``user_id`` is given), newest first."""
        sql = QUESTION_SELECT
        params: list[Any] = []
        if user_id is not None:
            sql += " WHERE user_id = ?"
            params.append(user_id)
        return await self._newest(sql, params, limit)

    async def _newest(self, sql: str, params: list[Any], limit: int) -> list[Question]:
        """The ``limit`` newest questions that ``sql`` selects, buffered ones included."""
        async with self._lock:
            await self._write_pending_questions()
            rows = await self._fetchall(
                f"{sql} ORDER BY asked_at DESC, id DESC LIMIT ?", [*params, limit]
            )
        return [row_to_question(row) for row in rows]

    async def existing_questions(self, ids: Iterable[int]) -> set[int]:
        """Which of the question ids ``ids`` are still stored."""
        wanted = sorted(set(ids))
        found: set[int] = set()
        async with self._lock:
            for start in range(0, len(wanted), 500):  # SQLite's limit on parameters
                part = wanted[start : start + 500]
                rows = await self._fetchall(
                    f"SELECT id FROM questions WHERE id IN ({', '.join('?' * len(part))})", part
                )
                found.update(int(row[0]) for row in rows)
        return found

    async def purge_questions(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete questions asked more than ``older_than`` before ``now``; return the count."""
        async with self._lock:
            await self._write_pending_questions()
        return await self._delete_older("DELETE FROM questions WHERE asked_at < ?", older_than, now)

    async def _forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        await super()._forget(db, user_id, counts)
        kept = [row for row in self._pending_questions if row[0] != user_id]
        buffered = len(self._pending_questions) - len(kept)
        self._pending_questions = kept
        cursor = await db.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
        counts["questions"] = max(cursor.rowcount, 0) + buffered
