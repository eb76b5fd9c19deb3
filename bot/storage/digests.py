"""The coordinators' digests: which leads each scheduled digest covered, and its delivery.

A scheduled digest covers the leads created or updated in a window ``(since, until]``; its
``until`` is the watermark, the ``since`` of the next one, so each lead (each version of it)
falls in exactly one scheduled digest. Opening a digest fixes its window and records it as
*pending* in one transaction; delivery is then recorded per chat and message part as it
goes, and the digest is closed when every chat has it. After a crash the pending digest is
finished (the parts not yet recorded are sent), never opened anew: at most the one part that
was sent when the process died is sent twice, and nothing is lost. The digests table holds no
personal data (windows, times and the coordinators' chat ids), so ``/forget`` leaves it alone;
a forgotten student's lead is deleted, so it is in no digest built after that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bot.storage.codec import from_iso, iso
from bot.storage.database import Database, Session, Store
from bot.storage.leads import LEAD_SELECT, Lead
from bot.storage.questions import QuestionStore
from bot.storage.rows import from_row

NOT_CONTACTED: Final = ("new", "updated")
_DIGEST_SELECT: Final = (
    "SELECT id, since, until, created_at, sent_at, skipped, "
    "(SELECT COUNT(*) FROM digests AS d WHERE d.id <= digests.id AND d.skipped = 0) "
    "FROM digests"
)


@dataclass(frozen=True, slots=True)
class Digest:
    """A scheduled digest: its window and how far its delivery got (parts sent per chat).
    ``number`` counts the digests actually sent (skipped empty ones do not count)."""

    id: int
    number: int
    since: datetime | None
    until: datetime
    created_at: datetime
    sent_at: datetime | None = None
    skipped: bool = False
    parts_sent: dict[int, int] = field(default_factory=dict)
    done: frozenset[int] = frozenset()

    @property
    def pending(self) -> bool:
        """Not yet delivered to every chat."""
        return self.sent_at is None


@dataclass(frozen=True, slots=True)
class DigestData:
    """What a digest reports on the window ``(since, until]``."""

    since: datetime | None
    until: datetime
    leads: list[Lead]
    unanswered: int
    top_questions: list[tuple[str, int]]
    not_contacted: int  # among all leads, not only these


class DigestStore(Store):
    """``digests`` and ``digest_deliveries``."""

    def __init__(self, db: Database, questions: QuestionStore) -> None:
        super().__init__(db)
        self._questions = questions

    async def last_digest(self) -> Digest | None:
        """The latest scheduled digest (pending, sent or skipped), if any."""
        return await self._find(f"{_DIGEST_SELECT} ORDER BY id DESC LIMIT 1")

    async def pending_digest(self) -> Digest | None:
        """The oldest digest whose delivery did not finish, if any."""
        return await self._find(f"{_DIGEST_SELECT} WHERE sent_at IS NULL ORDER BY id LIMIT 1")

    async def digest_watermark(self) -> datetime | None:
        """The end of the last scheduled digest's window: later leads are not in one yet."""
        async with self._db.locked() as session:
            return await _watermark(session)

    async def open_digest(self, send_empty: bool = False) -> Digest | None:
        """Fix the next scheduled digest's window (from the watermark to now) and record it as
        pending; committed on return. With nothing in the window and ``send_empty`` False it is
        recorded as skipped (the watermark still moves) and None is returned."""
        async with self._questions.flushed() as session:
            async with session.transaction() as db:
                since = await _watermark(session)
                until = self._db.now()
                leads = await _count_leads(session, since, until)
                questions = len(await _unanswered_texts(session, since, until))
                empty = not leads and not questions
                skip = empty and not send_empty
                cursor = await db.execute(
                    "INSERT INTO digests (since, until, created_at, sent_at, skipped) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        iso(since) if since else None,
                        iso(until),
                        iso(until),
                        iso(until) if skip else None,
                        int(skip),
                    ),
                )
                digest_id = cursor.lastrowid
            if skip or digest_id is None:
                return None
            return await _digest(session, f"{_DIGEST_SELECT} WHERE id = ?", (digest_id,))

    async def record_digest_delivery(
        self, digest_id: int, chat_id: int, parts_sent: int, done: bool = False
    ) -> None:
        """Note how many parts of a digest a chat has (committed on return)."""
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO digest_deliveries (digest_id, chat_id, parts_sent, done) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (digest_id, chat_id) DO UPDATE SET "
                "parts_sent = excluded.parts_sent, done = excluded.done",
                (digest_id, chat_id, parts_sent, int(done)),
            )

    async def close_digest(self, digest_id: int) -> None:
        """Every chat has the digest (committed on return)."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE digests SET sent_at = ? WHERE id = ?", (iso(self._db.now()), digest_id)
            )

    async def digest_data(
        self, since: datetime | None, until: datetime | None = None, top: int = 3
    ) -> DigestData:
        """The leads created or updated in ``(since, until]`` (``until`` defaults to now), the
        questions left unanswered then (how many, and the ``top`` most frequent with their
        counts), and how many of all leads nobody has contacted yet."""
        async with self._questions.flushed() as session:
            until = until if until is not None else self._db.now()
            sql, params = _window(LEAD_SELECT, "updated_at", since, until)
            leads = [
                from_row(Lead, r)
                for r in await session.fetchall(f"{sql} ORDER BY updated_at, user_id", params)
            ]
            texts = await _unanswered_texts(session, since, until)
            rows = await session.fetchall(
                f"SELECT COUNT(*) FROM leads WHERE status IN {NOT_CONTACTED!r}"
            )
        return DigestData(
            since=since,
            until=until,
            leads=leads,
            unanswered=len(texts),
            top_questions=most_frequent(texts, top),
            not_contacted=int(rows[0][0]),
        )

    async def _find(self, sql: str) -> Digest | None:
        async with self._db.locked() as session:
            return await _digest(session, sql)


async def _watermark(session: Session) -> datetime | None:
    row = await session.fetchone("SELECT MAX(until) FROM digests")
    return from_iso(row[0]) if row and row[0] else None


async def _count_leads(session: Session, since: datetime | None, until: datetime) -> int:
    sql, params = _window("SELECT COUNT(*) FROM leads", "updated_at", since, until)
    return int((await session.fetchall(sql, params))[0][0])


async def _unanswered_texts(session: Session, since: datetime | None, until: datetime) -> list[str]:
    sql, params = _window(
        "SELECT text FROM questions WHERE intent IS NULL", "asked_at", since, until
    )
    return [row[0] for row in await session.fetchall(f"{sql} ORDER BY asked_at, id", params)]


async def _digest(session: Session, sql: str, params: tuple[Any, ...] = ()) -> Digest | None:
    """The digest ``sql`` selects first, with its deliveries."""
    row = await session.fetchone(sql, params)
    if row is None:
        return None
    deliveries = await session.fetchall(
        "SELECT chat_id, parts_sent, done FROM digest_deliveries WHERE digest_id = ?",
        (row[0],),
    )
    return Digest(
        id=row[0],
        number=int(row[6]),
        since=from_iso(row[1]) if row[1] else None,
        until=from_iso(row[2]),
        created_at=from_iso(row[3]),
        sent_at=from_iso(row[4]) if row[4] else None,
        skipped=bool(row[5]),
        parts_sent={chat: parts for chat, parts, _ in deliveries},
        done=frozenset(chat for chat, _, done in deliveries if done),
    )


def _window(
    select: str, column: str, since: datetime | None, until: datetime
) -> tuple[str, tuple[str, ...]]:
    """``select`` restricted to ``since < column <= until``."""
    joiner = " AND " if " WHERE " in select else " WHERE "
    if since is None:
        return f"{select}{joiner}{column} <= ?", (iso(until),)
    return f"{select}{joiner}{column} > ? AND {column} <= ?", (iso(since), iso(until))


def most_frequent(texts: list[str], top: int) -> list[tuple[str, int]]:
    """The ``top`` most frequent texts (compared without case and extra spaces), each as first
    typed, with its count; ties go to the one asked first."""
    keys = [" ".join(text.casefold().split()) for text in texts]
    first: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        first.setdefault(key, text)
    return [(first[key], count) for key, count in Counter(keys).most_common(top)]
