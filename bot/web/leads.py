"""The leads table: the filters of a request as a storage query, and a lead as a row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.storage import Lead
from bot.storage.leads import LeadFilter
from bot.storage.records import STATUSES

MAX_ROWS = 100  # rows of one page of the table; the count says how many matched
MAX_OFFSET = 10_000_000  # an offset beyond any table (a bigger one is read as this)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def lead_filter(query: Mapping[str, str], zone: ZoneInfo) -> LeadFilter:
    """The filters of ``query`` (status, from, to — days of sign-up in the bot's time zone,
    both included — country, level, interest, sort, desc = 1 or 0); unknown values ignored."""
    start, end = _day(query.get("from")), _day(query.get("to"))
    status = query.get("status") or None
    return LeadFilter(
        status=status if status in STATUSES else None,
        level=query.get("level") or None,
        country=(query.get("country") or "").strip() or None,
        interest=query.get("interest") or None,
        since=datetime.combine(start, time(), zone) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), zone) if end else None,
        sort=query.get("sort") or "updated_at",
        descending=query.get("desc", "1") != "0",
    )


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
