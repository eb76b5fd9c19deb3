"""Data retention: every night at 03:00 what is older than ``BOT_RETENTION_DAYS`` is purged —
leads, questions (with the learned examples copied from them), closed conversations with the
coordinators, and the announcement records of students who no longer have a lead."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.content.knowledge import KnowledgeError
from bot.storage import Storage
from bot.telegram.content import prune_learned
from bot.telegram.context import App, BotContext, Services, services_of

_LOGGER = logging.getLogger(__name__)
PURGE_AT = time(3, 0)
JOB_NAME = "purge-old-leads"


async def purge_old_leads(storage: Storage, days: int, now: datetime | None = None) -> int:
    """Delete the leads not updated for more than ``days`` days; return how many."""
    return await storage.purge_leads(timedelta(days=days), now=now)


async def purge(context: BotContext) -> None:
    """The nightly job."""
    settings = context.services.settings
    count = await purge_old_leads(context.services.storage, settings.retention_days)
    _LOGGER.info("retention: purged %d lead(s) older than %d days", count, settings.retention_days)
    threads = await context.services.storage.purge_handoffs(timedelta(days=settings.retention_days))
    _LOGGER.info("retention: purged %d closed conversation(s) with coordinators", threads)
    records = await context.services.storage.purge_recipients_without_lead()
    _LOGGER.info("retention: purged %d announcement record(s) without a lead", records)
    await purge_old_questions(context.services, settings.retention_days)


async def purge_old_questions(services: Services, days: int, now: datetime | None = None) -> int:
    """Delete the questions asked more than ``days`` days ago, and the learned examples copied
    from them; return how many questions."""
    count = await services.storage.purge_questions(timedelta(days=days), now=now)
    _LOGGER.info("retention: purged %d question(s) older than %d days", count, days)
    try:
        removed = await prune_learned(services)
    except (KnowledgeError, OSError) as error:
        _LOGGER.warning("retention: learned examples not pruned: %s", type(error).__name__)
    else:
        _LOGGER.info("retention: removed %d learned example(s) of purged questions", removed)
    return count


def schedule(app: App) -> None:
    """Run the purge daily at 03:00 in the bot's time zone (``settings.tzinfo``)."""
    if app.job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    settings = services_of(app).settings
    app.job_queue.run_daily(purge, PURGE_AT.replace(tzinfo=settings.tzinfo), name=JOB_NAME)
