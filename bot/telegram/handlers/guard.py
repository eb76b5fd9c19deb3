"""A per-user flood guard that runs before every other handler."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.telegram.context import App, BotContext
from bot.telegram.flood import Verdict
from bot.telegram.handlers.common import is_private, send, user_language

TEXTS = frozenset({"slow_down"})


async def guard(update: Update, context: BotContext) -> None:
    """Let a message through, or warn the sender once and drop the rest of the flood (the
    warning only in a private chat: a group never hears about one member).
    Button presses are not limited: they are cheap and people tap fast."""
    user = update.effective_user
    if (
        update.message is None
        or user is None
        or user.id in context.services.settings.coordinator_ids
    ):
        return
    verdict = context.services.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.WARN and is_private(update):  # nothing is ever said in a group
        lang = await user_language(context.services, user)
        await send(update, context.services.assistant.texts.get("slow_down", lang))
    raise ApplicationHandlerStop


def register(app: App) -> None:
    """In group -1, so it sees every update first."""
    app.add_handler(TypeHandler(Update, guard), group=-1)
