"""Free-text questions: answered through the matcher, with related topics as buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from bot.storage.state import FOCUS_KEY
from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import (
    PRIVATE,
    chosen_language,
    reply_rows,
    send,
    user_language,
)
from bot.understanding.answers import Reply
from bot.understanding.context import TEXTS as CONTEXT_TEXTS
from bot.understanding.context import Dialogue, Focus

TEXTS = frozenset({"too_long"}) | CONTEXT_TEXTS

_LOGGER = logging.getLogger(__name__)
MAX_QUESTION = 1000


async def question(update: Update, context: BotContext) -> None:
    """Answer in the chosen language, else the question's; log the question for reports."""
    services = context.services
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return
    text = message.text
    if len(text) > MAX_QUESTION:
        lang = await user_language(services, user)
        await send(update, services.assistant.texts.get("too_long", lang, limit=MAX_QUESTION))
        return
    try:
        await message.chat.send_action(ChatAction.TYPING)
    except TelegramError:  # only a courtesy: never in the way of the answer
        _LOGGER.debug("typing indicator not sent")
    reply = answer_in_context(context, text, await chosen_language(services, user))
    await services.storage.log_question(
        user.id,
        reply.language,
        text,
        reply.intent,
        reply.score,
        kind=reply.kind,
        update_id=update.update_id,
    )
    await send(update, reply.text, reply_rows(reply))


def answer_in_context(context: BotContext, text: str, lang: str | None) -> Reply:
    """The reply to a message read in the student's conversation; the focus it leaves is
    kept in ``user_data`` (stored with the update, forgotten with ``/forget``)."""
    services = context.services
    data = context.user_data
    focus = Focus.from_json(data.get(FOCUS_KEY)) if data is not None else Focus()
    idle = services.settings.context_idle_minutes * 60
    dialogue = Dialogue(services.assistant, focus, idle=idle)
    reply = dialogue.reply(text, lang)
    if data is not None:
        data[FOCUS_KEY] = dialogue.focus.to_json()
    return reply


def register(app: App) -> None:
    """Any new private text that is not a command (an edited message is not a question)."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE, question))
