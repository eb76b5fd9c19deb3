"""Data retention: leads older than ``BOT_RETENTION_DAYS`` are purged every night at 03:00,
with the announcement records of students who no longer have a lead."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.storage import Storage
from bot.telegram.context import App, BotContext, services_of

_LOGGER = logging.getLogger(__name__)
PURGE_AT = time(3, 0)
JOB_NAME = "purge-old-leads"


async def purge_old_leads(storage: Storage, days: int, now: datetime | None = None) -> int:
    """Delete the leads not updated for more than ``days`` days; return how many."""
    return await storage.purge_leads(timedelta(days=days), now=now)


async def _purge(context: BotContext) -> None:
    settings = context.services.settings
    count = await purge_old_leads(context.services.storage, settings.retention_days)
    _LOGGER.info("retention: purged %d lead(s) older than %d days", count, settings.retention_days)
    threads = await context.services.storage.purge_handoffs(timedelta(days=settings.retention_days))
    _LOGGER.info("retention: purged %d closed conversation(s) with coordinators", threads)
    records = await context.services.storage.purge_recipients_without_lead()
    _LOGGER.info("retention: purged %d announcement record(s) without a lead", records)


def schedule(app: App) -> None:
    """Run the purge daily at 03:00 in the bot's time zone (``settings.tzinfo``)."""
    if app.job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    settings = services_of(app).settings
    app.job_queue.run_daily(_purge, PURGE_AT.replace(tzinfo=settings.tzinfo), name=JOB_NAME)
