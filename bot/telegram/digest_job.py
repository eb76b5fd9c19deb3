"""The coordinators' daily digest: scheduled with the JobQueue at ``BOT_DIGEST_TIME``, caught
up at start when the bot was down at that time, delivered once.

Delivery is at-least-once with the smallest possible overlap, never at-most-once: the
digest's window is fixed and recorded as pending (one transaction) before anything is sent,
and each message part is recorded as delivered right after Telegram accepted it. A process
killed (SIGKILL) between Telegram's answer and that record sends that one part again when it
finishes the pending digest at the next start — the part carries the digest's number, so a
repeat is recognisable — while a digest committed as sent before sending could be lost
outright. Each lead version falls in exactly one digest's window.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, Final, cast

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.reports.digest import render_digest
from bot.storage import Digest
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_chats

_LOGGER = logging.getLogger(__name__)
JOB_NAME: Final = "coordinators-digest"
CATCH_UP_JOB: Final = "coordinators-digest-catch-up"
RETRY_JOB: Final = "coordinators-digest-retry"
RETRY_AFTER: Final = timedelta(minutes=10)
# Run late rather than never (a busy or suspended process), and once for several misses.
_JOB_KWARGS: Final[dict[str, Any]] = {"misfire_grace_time": None, "coalesce": True}
_LOCKS: weakref.WeakKeyDictionary[App, asyncio.Lock] = weakref.WeakKeyDictionary()


def schedule(app: App) -> None:
    """The daily digest, and a catch-up run as soon as the application starts. Nothing when
    no coordinator is configured (the digest would have nowhere to go; the watermark stays)."""
    if app.job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    settings = services_of(app).settings
    if not coordinator_chats(settings):
        return
    at = settings.digest_time.replace(tzinfo=settings.tzinfo)
    app.job_queue.run_daily(_scheduled, at, name=JOB_NAME, job_kwargs=_JOB_KWARGS)
    app.job_queue.run_once(_catch_up, 0, name=CATCH_UP_JOB, job_kwargs=_JOB_KWARGS)


def last_due(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The latest scheduled digest time at or before ``now``."""
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), at.replace(tzinfo=None), tzinfo=zone)
    return due if due <= local else due - timedelta(days=1)


async def run_scheduled(app: App) -> bool:
    """Finish a pending digest, then open and send the next one. False if a chat could not be
    reached for a reason that may pass (the digest stays pending and is retried)."""
    async with _lock(app):
        if not await _finish_pending(app):
            return False
        services = services_of(app)
        digest = await services.storage.open_digest(services.settings.digest_empty)
        return digest is None or await _deliver(app, digest)


async def catch_up(app: App, now: datetime | None = None) -> None:
    """At start: finish a digest a previous process left pending, and send the one missed
    while the bot was down (the last scheduled time passed without a digest)."""
    services = services_of(app)
    last = await services.storage.last_digest()
    settings = services.settings
    due = last_due(now or datetime.now(settings.tzinfo), settings.digest_time, settings.tzinfo)
    if last is None or last.created_at < due:
        _LOGGER.info("digest: catching up the one due at %s", due.isoformat(timespec="minutes"))
        await _retrying(app, run_scheduled)
    else:
        await _retrying(app, _finish_locked)


async def _scheduled(context: BotContext) -> None:
    await _retrying(cast(App, context.application), run_scheduled)


async def _catch_up(context: BotContext) -> None:
    await catch_up(cast(App, context.application))


async def _retry(context: BotContext) -> None:
    await _retrying(cast(App, context.application), _finish_locked)


async def _retrying(app: App, step: Callable[[App], Awaitable[bool]]) -> None:
    """Run ``step``; when it could not finish, try again in RETRY_AFTER."""
    if not await step(app) and app.job_queue is not None:
        _LOGGER.warning("digest: not delivered everywhere; retrying in %s", RETRY_AFTER)
        app.job_queue.run_once(_retry, RETRY_AFTER, name=RETRY_JOB, job_kwargs=_JOB_KWARGS)


async def _finish_locked(app: App) -> bool:
    async with _lock(app):
        return await _finish_pending(app)


async def _finish_pending(app: App) -> bool:
    """Deliver what a pending digest still owes. Caller holds the lock."""
    storage = services_of(app).storage
    while (pending := await storage.pending_digest()) is not None:
        if not await _deliver(app, pending):
            return False
    return True


async def _deliver(app: App, digest: Digest) -> bool:
    """Send the digest's parts each chat does not have yet, recording each one; close it when
    every chat has it. A chat that refuses (blocked, not found) is logged and skipped."""
    services = services_of(app)
    storage, settings = services.storage, services.settings
    data = await storage.digest_data(digest.since, digest.until)
    for chat_id in coordinator_chats(settings):
        if chat_id in digest.done:
            continue
        lang = await storage.get_language(chat_id) or "en"
        parts = render_digest(
            data,
            kb=services.content.assistant.kb,
            texts=services.content.texts,
            lang=lang,
            zone=settings.tzinfo,
            number=digest.number,
        )
        sent = digest.parts_sent.get(chat_id, 0)
        for index in range(sent, len(parts)):
            try:
                await app.bot.send_message(chat_id, parts[index])
            except (Forbidden, BadRequest) as error:
                _LOGGER.warning("digest %d: chat %s refused it: %s", digest.number, chat_id, error)
                break
            except TelegramError as error:
                _LOGGER.warning("digest %d: chat %s unreachable: %s", digest.number, chat_id, error)
                return False
            await storage.record_digest_delivery(digest.id, chat_id, index + 1)
        await storage.record_digest_delivery(digest.id, chat_id, len(parts), done=True)
    await storage.close_digest(digest.id)
    _LOGGER.info("digest %d sent (%d lead(s))", digest.number, len(data.leads))
    return True


def _lock(app: App) -> asyncio.Lock:
    """One digest run at a time per application (the catch-up may meet the daily job)."""
    lock = _LOCKS.get(app)
    if lock is None:
        lock = _LOCKS[app] = asyncio.Lock()
    return lock
