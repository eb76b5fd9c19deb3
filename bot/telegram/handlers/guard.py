"""The flood guard's handler: it runs before every other handler and acts on the verdict the
inbox gave the update when it arrived (:mod:`bot.telegram.flood`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.telegram.context import App, BotContext
from bot.telegram.flood import BUTTON, INLINE, OTHER, PRIVATE_MESSAGE, Verdict
from bot.telegram.handlers.common import answer_query, is_private, send, user_language

TEXTS = frozenset({"slow_down", "slow_down_button"})


def kind_of_update(update: Update) -> str:
    """What a flood does to this update (see :func:`bot.telegram.flood.kind_of`)."""
    if update.callback_query is not None:
        return BUTTON
    if update.inline_query is not None:
        return INLINE
    return PRIVATE_MESSAGE if update.message is not None and is_private(update) else OTHER


async def guard(update: Update, context: BotContext) -> None:
    """Within the limit: nothing to do. A private message beyond it: the student is warned
    once and the message is handled as usual (nothing a student writes is lost). A button
    press beyond it: answered with "slow down", not acted on. Anything else beyond it (group
    messages, inline queries): dropped silently — the inbox drops those on arrival already."""
    user = update.effective_user
    verdict = context.services.flood.verdict(
        update.update_id, user.id if user else None, kind_of_update(update)
    )
    if verdict is Verdict.ALLOW:
        return
    texts = context.services.content.texts
    lang = await user_language(context.services, user)
    if verdict is Verdict.WARN:
        await send(update, texts.get("slow_down", lang))
        return
    if verdict is Verdict.REFUSE:
        await answer_query(update, texts.get("slow_down_button", lang))
    raise ApplicationHandlerStop


def register(app: App) -> None:
    """In group -1, so it sees every update first."""
    app.add_handler(TypeHandler(Update, guard), group=-1)
