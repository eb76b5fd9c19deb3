"""Free-text questions: answered through the matcher, with related topics as buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import (
    PRIVATE,
    chosen_language,
    reply_rows,
    send,
    user_language,
)

TEXTS = frozenset({"too_long"})

MAX_QUESTION = 1000


async def question(update: Update, context: BotContext) -> None:
    """Answer in the chosen language, else the question's; then log the question for reports.

    The answer is the only Bot API call (no typing indicator: it takes milliseconds, see
    :mod:`bot.telegram.responsiveness`). The log is written with the update's done mark
    (:mod:`bot.storage.inbox`), so a question is logged exactly once even if the process dies
    after the reply."""
    services = context.services
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return
    text = message.text
    if len(text) > MAX_QUESTION:
        lang = await user_language(services, user)
        await send(update, services.assistant.texts.get("too_long", lang, limit=MAX_QUESTION))
        return
    reply = services.assistant.answer(text, await chosen_language(services, user))
    try:
        await send(update, reply.text, reply_rows(reply))
    finally:  # logged even if the reply could not be delivered (in memory: no disk access)
        await services.storage.log_question(
            user.id,
            reply.language,
            text,
            reply.intent,
            reply.score,
            kind=reply.kind,
            update_id=update.update_id,
        )


def register(app: App) -> None:
    """Any new private text that is not a command (an edited message is not a question)."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE, question))
