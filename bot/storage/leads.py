"""Leads: students who signed up to be contacted; columns derived from :class:`Lead`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import aiosqlite

from bot.storage.codec import iso
from bot.storage.database import Store
from bot.storage.records import LEAD_FIELDS, STATUSES, Lead, plain_value
from bot.storage.rows import columns, from_row, select

_KEPT_ON_UPDATE: Final = {"user_id", "created_at"}
_UPSERT: Final = (
    f"INSERT INTO leads ({columns(Lead)}) VALUES ({', '.join('?' for _ in LEAD_FIELDS)}) "
    "ON CONFLICT (user_id) DO UPDATE SET "
    + ", ".join(f"{n} = excluded.{n}" for n in LEAD_FIELDS if n not in _KEPT_ON_UPDATE)
)


def _to_sql(value: object) -> Any:
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return plain_value(value)


LEAD_SELECT: Final = select(Lead, "leads")
_PAGE_COLUMNS: Final = ", ".join(f"leads.{name}" for name in LEAD_FIELDS)
LEAD_SORTS: Final = ("updated_at", "created_at", "name", "country", "level", "status")
NULLABLE_SORTS: Final = ("country", "level")  # the others are NOT NULL columns


@dataclass(frozen=True)
class LeadFilter:
    """Which leads to list (the console's table): each field None for any; ``country`` is a
    case-insensitive part of the country; ``since``/``until`` bound ``created_at``."""

    status: str | None = None
    level: str | None = None
    country: str | None = None
    interest: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "updated_at"
    descending: bool = True

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        parts, params = ["1"], []
        for column, value in (("status", self.status), ("level", self.level)):
            if value is not None:
                parts.append(f"{column} = ?")
                params.append(value)
        if self.country:
            parts.append("lower(coalesce(country, '')) LIKE ? ESCAPE '\\'")
            params.append(f"%{_like(self.country.lower())}%")
        if self.interest is not None:
            parts.append("interests LIKE ? ESCAPE '\\'")
            params.append(f"%{_like(json.dumps(self.interest, ensure_ascii=False))}%")
        if self.since is not None:
            parts.append("created_at >= ?")
            params.append(iso(self.since))
        if self.until is not None:
            parts.append("created_at < ?")
            params.append(iso(self.until))
        return " AND ".join(parts), params


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class LeadStore(Store):
    """``leads``: one lead per user."""

    async def upsert_lead(self, lead: Lead) -> bool:
        """Insert or replace the user's lead; committed when this returns.

        Returns True when an existing lead of that user was updated (its ``created_at`` is
        kept, its status becomes ``updated``), False when a new one was inserted (``new``).
        """
        values = {n: _to_sql(getattr(lead, n)) for n in LEAD_FIELDS}
        values["status_by"] = values["status_at"] = None
        async with self._db.transaction() as db:
            # Stamped under the lock: a digest that took its cutoff before this lead was
            # written never sees it stamped earlier than that cutoff (so it is never skipped).
            values["created_at"] = values["updated_at"] = iso(self._db.now())
            existing = bool(
                list(
                    await db.execute_fetchall(
                        "SELECT 1 FROM leads WHERE user_id = ?", (lead.user_id,)
                    )
                )
            )
            values["status"] = "updated" if existing else "new"
            await db.execute(_UPSERT, tuple(values.values()))
        return existing

    async def set_lead_status(self, user_id: int, status: str, by: int) -> Lead | None:
        """Record a coordinator's verdict on a lead (committed on return); the lead, or None
        when the student has no lead (any more)."""
        if status not in STATUSES:
            raise ValueError(f"unknown lead status {status!r}")
        async with self._db.locked() as session:
            async with session.transaction() as db:
                await db.execute(
                    "UPDATE leads SET status = ?, status_by = ?, status_at = ? WHERE user_id = ?",
                    (status, by, iso(self._db.now()), user_id),
                )
            row = await session.fetchone(f"{LEAD_SELECT} WHERE user_id = ?", (user_id,))
        return from_row(Lead, row) if row else None

    async def get_lead(self, user_id: int) -> Lead | None:
        """The user's lead, if any."""
        row = await self._db.fetchone(f"{LEAD_SELECT} WHERE user_id = ?", (user_id,))
        return from_row(Lead, row) if row else None

    async def list_leads(self, since: datetime | None = None) -> list[Lead]:
        """Leads created or updated at or after ``since`` (all if None), oldest update first."""
        sql = LEAD_SELECT
        params: tuple[Any, ...] = ()
        if since is not None:
            sql += " WHERE updated_at >= ?"
            params = (iso(since),)
        sql += " ORDER BY updated_at, user_id"
        return [from_row(Lead, row) for row in await self._db.fetchall(sql, params)]

    async def find_leads(
        self, query: LeadFilter, limit: int | None = None, *, offset: int = 0
    ) -> tuple[int, list[Lead]]:
        """How many leads match ``query``, and ``limit`` of them (all if None) in its order
        (empty values last), from the ``offset``-th on (a page of the console's table)."""
        where, params = query.where()
        sort = query.sort if query.sort in LEAD_SORTS else "updated_at"
        direction = "DESC" if query.descending else "ASC"
        collate = " COLLATE NOCASE" if sort in ("name", "country", "level") else ""
        # Empty values last; a NOT NULL column needs no such term, and without it SQLite walks
        # the index of updated_at instead of sorting every row (0.1 ms against 24 ms for a page
        # of 10,000 leads).
        nulls_last = f"{sort} IS NULL, " if sort in NULLABLE_SORTS else ""
        order = f"{nulls_last}{sort}{collate} {direction}, user_id {direction}"
        if limit is None:  # every match (the export)
            found = await self._db.fetchall(f"{LEAD_SELECT} WHERE {where} ORDER BY {order}", params)
            return len(found), [from_row(Lead, row) for row in found]
        # One statement, so one round trip to the database's thread: each round trip waits for
        # a turn of the event loop, a step of a grouping when one runs (three round trips made
        # a page about twice as slow during a grouping). The page is chosen by key (a narrow sort),
        # then its rows read whole. Sorted by updated_at, the page is an early-stopping walk of
        # its index, counted apart; by any other column every matching row is sorted anyway,
        # and the same scan counts them (a window).
        if sort == "updated_at":
            total, bound = f"(SELECT COUNT(*) FROM leads WHERE {where})", [*params, *params]
        else:
            total, bound = "COUNT(*) OVER ()", params
        page = (
            f"WITH page AS (SELECT rowid AS id, {total} AS total FROM leads WHERE {where} "
            f"ORDER BY {order} LIMIT {int(limit)} OFFSET {max(0, int(offset))}) "
            f"SELECT page.total, {_PAGE_COLUMNS} FROM page JOIN leads ON leads.rowid = page.id "
            f"ORDER BY {order}"
        )
        rows = await self._db.fetchall(page, bound)
        if rows:
            return int(rows[0][0]), [from_row(Lead, row[1:]) for row in rows]
        # Past the end (or nothing matches): counted apart.
        counted = await self._db.fetchone(f"SELECT COUNT(*) FROM leads WHERE {where}", params)
        return int(counted[0]) if counted else 0, []

    async def lead_choices(self) -> tuple[list[str], list[str]]:
        """The levels and the interests leads have, each sorted."""
        async with self._db.locked() as session:
            levels = await session.fetchall(
                "SELECT DISTINCT level FROM leads WHERE level IS NOT NULL ORDER BY level"
            )
            interests = await session.fetchall("SELECT DISTINCT interests FROM leads")
        found = {i for (raw,) in interests for i in json.loads(raw)}
        return [level for (level,) in levels], sorted(found)

    async def purge_leads(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete leads last updated more than ``older_than`` before ``now``; return the count."""
        return await self._db.delete_older(
            "DELETE FROM leads WHERE updated_at < ?", older_than, now
        )

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        cursor = await db.execute("DELETE FROM leads WHERE user_id = ?", (user_id,))
        counts["lead"] = max(cursor.rowcount, 0)
