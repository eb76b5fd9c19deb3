"""The global error handler: log, tell the coordinators (no personal data), apologise."""

from __future__ import annotations

import html
import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.telegram.context import App, BotContext
from bot.telegram.coordinators import coordinator_chats
from bot.telegram.delivery import is_delivery_failure
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset({"coordinator_error_report", "error_apology"})

_LOGGER = logging.getLogger(__name__)


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
    services = context.services
    settings = services.settings
    report = services.assistant.texts.get(
        "coordinator_error_report", "en", update_id=update_id, error=html.escape(_where(error))
    )
    for chat_id in coordinator_chats(settings):
        try:
            await context.bot.send_message(chat_id, report[:4000])
        except TelegramError:
            _LOGGER.warning("could not send the error report to chat %s", chat_id)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
        and not is_delivery_failure(error)  # the apology would fail too, or come after an answer
    ):
        try:
            lang = await user_language(services, update.effective_user)
            await send(update, services.assistant.texts.get("error_apology", lang))
        except Exception:  # the apology must never raise in the error handler
            _LOGGER.warning("could not send the apology")


def register(app: App) -> None:
    """The one error handler."""
    app.add_error_handler(on_error)
