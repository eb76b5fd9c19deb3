"""The leads table: filters, sort, the page of rows shown, and the .xlsx of what is shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.storage import Lead
from bot.storage.records import STATUSES

MAX_ROWS = 300  # rows sent to the page; the count says how many matched
SORTS = ("updated_at", "created_at", "name", "country", "level", "status")


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def select(leads: Sequence[Lead], query: Mapping[str, str], zone: ZoneInfo) -> list[Lead]:
    """The leads matching the filters of ``query`` (status, from, to — days of creation in
    the bot's time zone — country, level, interest), sorted by ``sort`` (``desc`` = 1)."""
    status = query.get("status") or None
    status = status if status in STATUSES else None
    start, end = _day(query.get("from")), _day(query.get("to"))
    country = (query.get("country") or "").strip().lower()
    level = query.get("level") or None
    interest = query.get("interest") or None
    found = []
    for lead in leads:
        if status is not None and lead.status != status:
            continue
        if level is not None and lead.level != level:
            continue
        if interest is not None and interest not in lead.interests:
            continue
        if country and country not in (lead.country or "").lower():
            continue
        if start is not None or end is not None:
            created = (lead.created_at or lead.consent_at).astimezone(zone).date()
            if (start is not None and created < start) or (end is not None and created > end):
                continue
        found.append(lead)
    sort = query.get("sort") or "updated_at"
    sort = sort if sort in SORTS else "updated_at"
    descending = query.get("desc", "1") == "1"

    def key(lead: Lead) -> tuple[bool, Any]:
        value = getattr(lead, sort)
        if isinstance(value, str):
            value = value.lower()
        return (value is None, value if value is not None else "")

    found.sort(key=key, reverse=descending)
    return found


def row(lead: Lead, zone: ZoneInfo) -> dict[str, Any]:
    """A lead as the table shows it (text only: the page sets it as text, never as HTML)."""

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    return {
        "user_id": lead.user_id,
        "name": lead.name,
        "email": lead.email,
        "university": lead.university or "",
        "country": lead.country or "",
        "level": lead.level or "",
        "interests": list(lead.interests),
        "start_month": lead.start_month or "",
        "message": lead.message or "",
        "language": lead.language,
        "status": lead.status,
        "created_at": when(lead.created_at),
        "updated_at": when(lead.updated_at),
        "status_at": when(lead.status_at),
    }


def choices(leads: Sequence[Lead]) -> dict[str, list[str]]:
    """The values the filters offer: levels and interests present among the leads."""
    levels = sorted({lead.level for lead in leads if lead.level})
    interests = sorted({i for lead in leads for i in lead.interests})
    return {"statuses": list(STATUSES), "levels": levels, "interests": interests}
