"""Whatever no other handler took: /cancel with nothing to cancel, unknown commands and
messages that are not text. Private chats only; edited messages are ignored."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import PRIVATE, command, send, user_language

TEXTS = frozenset({"cancel_nothing", "not_text", "unknown_command"})


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown (or not permitted) command: the same polite answer, revealing nothing."""
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.content.texts.get("unknown_command", lang))


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel when no form or hand-off is open (those take it first)."""
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.content.texts.get("cancel_nothing", lang))


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, voice…: ask for text."""
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.content.texts.get("not_text", lang))


def register(app: App) -> None:
    """Registered last."""
    app.add_handler(command("cancel", nothing_to_cancel))
    app.add_handler(MessageHandler(filters.COMMAND & PRIVATE, unknown_command))
    app.add_handler(MessageHandler(~filters.TEXT & PRIVATE, not_text))
