"""Talking to a coordinator: the student's question is passed on; a coordinator's reply to
it is relayed back to the student."""

from __future__ import annotations

import html
import logging
import re

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.telegram import callbacks
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_chats
from bot.telegram.handlers import mydata
from bot.telegram.handlers.common import answer_query, persistent_conversation, send, user_language

TEXTS = frozenset(
    {
        "coordinator_handoff",
        "coordinator_relayed",
        "handoff_answer",
        "handoff_cancelled",
        "handoff_prompt",
        "handoff_unavailable",
    }
)

_LOGGER = logging.getLogger(__name__)
WAITING = "waiting_for_question"
_TAG = re.compile(r"#u(\d+)_(en|zh|fr)")


async def begin(update: Update, context: BotContext) -> str | int:
    """Ask for the question, if anyone can receive it."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    await answer_query(update)
    if not _targets(context):
        await send(update, services.assistant.texts.get("handoff_unavailable", lang))
        return ConversationHandler.END
    await send(update, services.assistant.texts.get("handoff_prompt", lang))
    return WAITING


async def pass_on(update: Update, context: BotContext) -> int:
    """Send the question to the coordinators and thank the student."""
    services = context.services
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.text is None:
        return ConversationHandler.END
    lang = await user_language(services, user)
    report = services.assistant.texts.get(
        "coordinator_handoff",
        "en",
        name=html.escape(user.full_name),
        tag=f"#u{user.id}_{lang}",
        question=html.escape(message.text),
    )
    delivered = 0
    for chat_id in _targets(context):
        try:
            await context.bot.send_message(chat_id, report)
            delivered += 1
        except TelegramError as error:
            _LOGGER.warning("could not reach coordinator chat %s: %s", chat_id, error)
    key = "handoff_sent" if delivered else "handoff_unavailable"
    await services.storage.log_question(user.id, lang, message.text, "handoff", 1.0, kind="handoff")
    await send(update, services.assistant.texts.get(key, lang))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Nothing is sent."""
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.assistant.texts.get("handoff_cancelled", lang))
    return ConversationHandler.END


async def relay(update: Update, context: BotContext) -> None:
    """A coordinator replied to a passed-on question: send the answer to the student."""
    message = update.effective_message
    original = message.reply_to_message if message else None
    found = _TAG.search(original.text or "") if original else None
    if message is None or message.text is None or found is None:
        return
    student, lang = int(found.group(1)), found.group(2)
    texts = context.services.assistant.texts
    answer = texts.get("handoff_answer", lang, answer=html.escape(message.text))
    await context.bot.send_message(student, answer)
    await message.reply_text(texts.get("coordinator_relayed", "en"))


def _targets(context: BotContext) -> list[int]:
    return coordinator_chats(context.services.settings)


def register(app: App) -> None:
    """The hand-off conversation, and the relay of coordinators' replies."""
    settings = services_of(app).settings
    coordinators: filters.BaseFilter = filters.User(user_id=settings.coordinator_ids)
    if settings.coordinator_chat_id is not None:
        coordinators = coordinators | filters.Chat(chat_id=settings.coordinator_chat_id)
    app.add_handler(
        MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND & coordinators, relay)
    )
    app.add_handler(
        persistent_conversation(
            entry_points=[CallbackQueryHandler(begin, pattern=callbacks.pattern("coordinator$"))],
            states={WAITING: [MessageHandler(filters.TEXT & ~filters.COMMAND, pass_on)]},
            fallbacks=[CommandHandler("cancel", cancel), *mydata.forget_handlers()],
            name="handoff",
        )
    )
