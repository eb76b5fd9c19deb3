"""What the statistics are computed from: question outcomes and sign-ups, without any text.

The figures themselves are computed by :mod:`bot.reports.stats`; this store only reads the
columns they need (no question text, no name), flushing the question buffer first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.storage.codec import from_iso, iso
from bot.storage.database import Database, Store
from bot.storage.questions import QuestionStore


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one logged question was handled: ``kind`` as logged (None before schema 3)."""

    asked_at: datetime
    language: str
    intent: str | None
    kind: str | None


@dataclass(frozen=True, slots=True)
class SignUp:
    """A lead as the statistics see it: when it was created and its status now."""

    created_at: datetime
    status: str


class ActivityStore(Store):
    """Reads for the statistics (``/stats``, ``python -m bot stats``)."""

    def __init__(self, db: Database, questions: QuestionStore) -> None:
        super().__init__(db)
        self._questions = questions

    async def question_outcomes(self, since: datetime) -> list[Outcome]:
        """Every question logged at or after ``since``, oldest first."""
        async with self._questions.flushed() as session:
            rows = await session.fetchall(
                "SELECT asked_at, language, intent, kind FROM questions WHERE asked_at >= ? "
                "ORDER BY asked_at, id",
                (iso(since),),
            )
        # Tens of thousands of rows: read into objects in a worker thread, off the event loop.
        return await asyncio.to_thread(
            lambda: [Outcome(from_iso(at), lang, intent, kind) for at, lang, intent, kind in rows]
        )

    async def sign_ups(self, since: datetime) -> list[SignUp]:
        """The leads created at or after ``since`` (those deleted since are not counted)."""
        rows = await self._db.fetchall(
            "SELECT created_at, status FROM leads WHERE created_at >= ? ORDER BY created_at",
            (iso(since),),
        )
        return await asyncio.to_thread(
            lambda: [SignUp(from_iso(at), status) for at, status in rows]
        )  # off the event loop, as question_outcomes
