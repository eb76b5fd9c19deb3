"""The global error handler: log, tell the coordinators (no personal data, grouped), apologise."""

from __future__ import annotations

import html
import logging
import traceback
from typing import cast

from telegram import Update
from telegram.error import TelegramError

from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_chats
from bot.telegram.delivery import is_delivery_failure
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset({"coordinator_error_repeats", "coordinator_error_report", "error_apology"})

_LOGGER = logging.getLogger(__name__)
REPEATS_JOB = "error-report-repeats"


def _where(error: BaseException) -> str:
    """The exception's type and the innermost frame of our code: no values, no messages."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/bot/" in f.filename]
    place = (
        f" at {frames[-1].filename.rsplit('/bot/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    )
    return f"{type(error).__name__}{place}"


async def on_error(update: object, context: BotContext) -> None:
    """Handle any exception raised while handling an update."""
    error = context.error
    if error is None:
        return
    update_id = update.update_id if isinstance(update, Update) else "-"
    _LOGGER.error("error while handling update %s", update_id, exc_info=error)
    services, app = context.services, cast(App, context.application)
    kind = _where(error)
    if services.error_reports.record(kind):
        report = services.content.texts.get(
            "coordinator_error_report", "en", update_id=update_id, error=html.escape(kind)
        )
        await _tell_coordinators(app, report)
    else:
        _schedule_repeats(app)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
        and not is_delivery_failure(error)  # the apology would fail too, or come after an answer
    ):
        try:
            lang = await user_language(services, update.effective_user)
            await send(update, services.content.texts.get("error_apology", lang))
        except Exception:  # the apology must never raise in the error handler
            _LOGGER.warning("could not send the apology")


async def send_repeats(app: App) -> None:
    """One summary per kind of error that repeated during its window: how many times."""
    services = services_of(app)
    minutes = round(services.error_reports.window / 60)
    for kind, count in services.error_reports.due():
        summary = services.content.texts.get(
            "coordinator_error_repeats", "en", error=html.escape(kind), count=count, minutes=minutes
        )
        await _tell_coordinators(app, summary)


def _schedule_repeats(app: App) -> None:
    """The summary of repeats is sent by a job when the window ends (one job at a time)."""
    if app.job_queue is not None and not app.job_queue.get_jobs_by_name(REPEATS_JOB):
        window = services_of(app).error_reports.window
        app.job_queue.run_once(_repeats_job, window + 1, name=REPEATS_JOB)


async def _repeats_job(context: BotContext) -> None:
    app = cast(App, context.application)
    await send_repeats(app)
    if context.services.error_reports.pending:
        _schedule_repeats(app)


async def _tell_coordinators(app: App, text: str) -> None:
    for chat_id in coordinator_chats(services_of(app).settings):
        try:
            await app.bot.send_message(chat_id, text[:4000])
        except TelegramError:
            _LOGGER.warning("could not send the error report to chat %s", chat_id)


def register(app: App) -> None:
    """The one error handler."""
    app.add_error_handler(on_error)
