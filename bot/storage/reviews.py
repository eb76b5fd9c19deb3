"""Coordinators' review of unanswered questions (``/unanswered``).

A question is *unreviewed* until a coordinator adds it as an example (``learned``) or ignores
it (``ignored``): the ``reviewed`` column of ``questions``. The groups shown to a coordinator
are stored (``review_groups`` and the questions of each, ``review_group_questions``), so a
button names a short group id and which questions it stands for comes from the database,
never from the button. Both tables reference ``questions`` with ``ON DELETE CASCADE``: a
student's ``/forget`` or the retention purge takes their questions out of every group too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from bot.storage.codec import iso
from bot.storage.database import Database, Store
from bot.storage.questions import QUESTION_SELECT, Question, QuestionStore
from bot.storage.rows import from_row

LEARNED, IGNORED = "learned", "ignored"
GROUPS_KEPT: Final = timedelta(days=7)  # a listing's buttons work this long


@dataclass(frozen=True, slots=True)
class ReviewGroup:
    """A stored group of similar unanswered questions, as shown on one page."""

    id: int
    listing: int
    position: int
    entries: tuple[str, ...]  # the nearest knowledge entries, nearest first
    questions: tuple[Question, ...]  # the group's questions still unreviewed, newest first
    resolved: str | None


class ReviewStore(Store):
    """Unreviewed questions, the groups shown, and their resolution."""

    def __init__(self, db: Database, questions: QuestionStore) -> None:
        super().__init__(db)
        self._questions = questions

    async def unreviewed_questions(
        self, within: timedelta, answer_threshold: float, limit: int = 1000
    ) -> list[Question]:
        """Questions asked in the last ``within`` that the bot declined (no intent) or answered
        with a score below ``answer_threshold``, not yet reviewed, newest first. Questions
        passed on to a coordinator (intent ``handoff``) are not among them."""
        since = self._db.now() - within
        sql = (
            f"{QUESTION_SELECT} WHERE reviewed IS NULL AND asked_at >= ? AND "
            "(intent IS NULL OR (intent != 'handoff' AND score < ?)) "
            "ORDER BY asked_at DESC, id DESC LIMIT ?"
        )
        async with self._questions.flushed() as session:
            rows = await session.fetchall(sql, (iso(since), answer_threshold, limit))
        return [from_row(Question, row) for row in rows]

    async def save_listing(self, groups: Sequence[tuple[Sequence[int], Sequence[str]]]) -> int:
        """Store the groups of one ``/unanswered`` listing — each its question ids and nearest
        entry ids — in order; return the listing id. Listings older than
        :data:`GROUPS_KEPT` are deleted.

        A few statements whatever the number of groups (not two a group): the lock is held
        for each round trip to the database's thread, and a console call waits behind it."""
        now = self._db.now()
        async with self._db.transaction() as db:
            await db.execute(
                "DELETE FROM review_groups WHERE created_at < ?", (iso(now - GROUPS_KEPT),)
            )
            rows = await db.execute_fetchall("SELECT COALESCE(MAX(listing), 0) FROM review_groups")
            listing = int(next(iter(rows))[0]) + 1
            await db.executemany(
                "INSERT INTO review_groups (listing, position, entries, created_at) "
                "VALUES (?, ?, ?, ?)",
                [
                    (listing, position, json.dumps(list(entries)), iso(now))
                    for position, (_, entries) in enumerate(groups)
                ],
            )
            stored = await db.execute_fetchall(
                "SELECT position, id FROM review_groups WHERE listing = ?", (listing,)
            )
            ids: dict[int, int] = {int(position): int(id_) for position, id_ in stored}
            await db.executemany(
                "INSERT OR IGNORE INTO review_group_questions (group_id, question_id) "
                "VALUES (?, ?)",
                [
                    (ids[position], qid)
                    for position, (question_ids, _) in enumerate(groups)
                    for qid in question_ids
                ],
            )
        return listing

    async def listing_groups(self, listing: int) -> list[ReviewGroup]:
        """The groups of a listing still to review (unresolved, with unreviewed questions),
        in the order they were shown."""
        rows = await self._db.fetchall(
            "SELECT id FROM review_groups WHERE listing = ? AND resolved IS NULL ORDER BY position",
            (listing,),
        )
        groups = [await self.review_group(row[0]) for row in rows]
        return [g for g in groups if g is not None and g.questions]

    async def review_group(self, group_id: int) -> ReviewGroup | None:
        """A stored group with its unreviewed questions, or None if it no longer exists."""
        async with self._db.locked() as session:
            row = await session.fetchone(
                "SELECT id, listing, position, entries, resolved FROM review_groups WHERE id = ?",
                (group_id,),
            )
            if row is None:
                return None
            questions = await session.fetchall(
                f"{QUESTION_SELECT} WHERE reviewed IS NULL AND id IN "
                "(SELECT question_id FROM review_group_questions WHERE group_id = ?) "
                "ORDER BY asked_at DESC, id DESC",
                (group_id,),
            )
        return ReviewGroup(
            id=row[0],
            listing=row[1],
            position=row[2],
            entries=tuple(json.loads(row[3])),
            questions=tuple(from_row(Question, q) for q in questions),
            resolved=row[4],
        )

    async def resolve_group(self, group_id: int, resolution: str) -> int:
        """Mark the group and its unreviewed questions ``learned`` or ``ignored``; return how
        many questions were marked."""
        if resolution not in (LEARNED, IGNORED):
            raise ValueError(f"unknown resolution {resolution!r}")
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "UPDATE questions SET reviewed = ?, reviewed_at = ? WHERE reviewed IS NULL AND id "
                "IN (SELECT question_id FROM review_group_questions WHERE group_id = ?)",
                (resolution, now, group_id),
            )
            await db.execute(
                "UPDATE review_groups SET resolved = ? WHERE id = ?", (resolution, group_id)
            )
        return max(cursor.rowcount, 0)
