"""Button presses that browse: menus, item lists, topics, and stale buttons."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler

from bot.telegram import callbacks
from bot.telegram.callbacks import decode
from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import answer_query, show, topic_rows, user_language

TEXTS = frozenset({"stale_button"})

PATTERN = callbacks.pattern("(topic|menu|items):")


async def browse(update: Update, context: BotContext) -> None:
    """Open the topic, menu or item list a button names, editing the message in place."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    action = decode(update.callback_query.data if update.callback_query else None) or ""
    kind, _, rest = action.partition(":")
    target, _, page_text = rest.partition(":")
    page = int(page_text) if page_text.isdigit() else 0
    kb, menus = services.assistant.kb, services.menus
    if kind == "topic" and (target in kb.entries or target in kb.items):
        reply = services.assistant.topic_reply(target, lang)
        await show(update, reply.text, topic_rows(services, reply, lang))
    elif kind == "menu" and target in menus.menus:
        screen = menus.screen(target, lang)
        await show(update, screen.text, screen.rows)
    elif kind == "items" and target in kb.entries and kb.entries[target].item_ids:
        screen = menus.items_screen(target, lang, page)
        await show(update, screen.text, screen.rows)
    else:
        await stale(update, context)


async def stale(update: Update, context: BotContext) -> None:
    """A button from an older version of the bot or of the knowledge base: say so politely
    and show the main menu (in a private chat; elsewhere the message is left alone)."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    notice = services.assistant.texts.get("stale_button", lang)
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        await answer_query(update, notice)  # a group's message (a notice…) stays as it is
        return
    screen = services.menus.screen("main", lang)
    await show(update, f"{notice}\n\n{screen.text}", screen.rows, notice=notice)


def register(app: App) -> None:
    """Menu navigation."""
    app.add_handler(CallbackQueryHandler(browse, pattern=PATTERN))


def register_stale(app: App) -> None:
    """Any button no other handler took: registered last."""
    app.add_handler(CallbackQueryHandler(stale))
