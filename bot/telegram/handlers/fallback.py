"""Whatever no other handler took: unknown commands and messages that are not text."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset({"not_text", "unknown_command"})


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown (or not permitted) command: the same polite answer, revealing nothing."""
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.assistant.texts.get("unknown_command", lang))


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, voice…: ask for text."""
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.assistant.texts.get("not_text", lang))


def register(app: App) -> None:
    """Registered last."""
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(filters.COMMAND & private, unknown_command))
    app.add_handler(MessageHandler(~filters.TEXT & private & filters.UpdateType.MESSAGE, not_text))
