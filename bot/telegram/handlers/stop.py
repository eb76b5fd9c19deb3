"""/stop: a student stops receiving announcements (also the button under each announcement);
the reply offers to receive them again. Neither /start nor a new sign-up re-subscribes."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.content.buttons import Button
from bot.telegram import callbacks
from bot.telegram.announcer import STOP_ACTION
from bot.telegram.callbacks import decode
from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import (
    PrivateButtons,
    answer_query,
    send,
    show,
    stale,
    user_language,
)

TEXTS = frozenset({"button_resume_announcements", "stop_done", "stop_resumed"})

RESUME_ACTION = f"{STOP_ACTION}:undo"
PATTERN = callbacks.pattern(f"{STOP_ACTION}(:undo)?$")


async def stop(update: Update, context: BotContext) -> None:
    """/stop or the button under an announcement: no more announcements, confirmed with a
    button to receive them again (a new message: the announcement stays as it was)."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    lang = await user_language(services, user)
    await services.storage.stop_announcements(user.id)
    texts = services.content.texts
    await answer_query(update)
    await send(
        update,
        texts.get("stop_done", lang),
        [[Button(texts.get("button_resume_announcements", lang), RESUME_ACTION)]],
    )


async def button(update: Update, context: BotContext) -> None:
    """Stop, or receive announcements again: each button exactly its own action, pressed in
    the student's own private chat (anything else is no longer valid)."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    action = decode(query.data)
    if chat.id != user.id:
        await stale(update, context)
    elif action == STOP_ACTION:
        await stop(update, context)
    elif action == RESUME_ACTION:
        services = context.services
        await services.storage.resume_announcements(user.id)
        lang = await user_language(services, user)
        await show(update, services.content.texts.get("stop_resumed", lang))
    else:
        await stale(update, context)


def register(app: App) -> None:
    """/stop in a private chat, and its buttons (in a private chat only: elsewhere they fall
    through to the stale-button answer)."""
    app.add_handler(CommandHandler("stop", stop, filters=filters.ChatType.PRIVATE))
    app.add_handler(PrivateButtons(button, pattern=PATTERN))
