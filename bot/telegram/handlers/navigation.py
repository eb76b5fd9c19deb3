"""Button presses that browse: menus, item lists, topics, and stale buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.telegram import callbacks
from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import (
    PrivateButtons,
    main_menu_text,
    show,
    stale,
    topic_rows,
    user_language,
)

TEXTS = frozenset({"button_invalid", "stale_button"})

PATTERN = callbacks.pattern("(topic|menu|items):")


async def browse(update: Update, context: BotContext) -> None:
    """Open the topic, menu or item list a button names, editing the message in place.
    Anything the bot did not produce (an unknown id, a page that does not exist, a forged
    value) gets the stale-button answer."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    parts = callbacks.parse(update.callback_query.data if update.callback_query else None)
    kind, target, *rest = parts if parts and len(parts) in (2, 3) else ("", "")
    kb, menus = services.content.assistant.kb, services.content.menus
    if kind == "topic" and not rest and (target in kb.entries or target in kb.items):
        reply = services.content.assistant.topic_reply(target, lang)
        await show(update, reply.text, topic_rows(services, reply, lang))
    elif kind == "menu" and not rest and target in menus.menus:
        screen = menus.screen(target, lang)
        text = main_menu_text(context, screen.text, lang) if target == "main" else screen.text
        await show(update, text, screen.rows)
    elif kind == "items" and target in kb.entries and kb.entries[target].item_ids:
        pages = menus.item_pages(target)
        page = callbacks.number(rest[0], below=pages) if rest else 0
        if page is None:
            await stale(update, context)
            return
        screen = menus.items_screen(target, lang, page)
        await show(update, screen.text, screen.rows)
    else:
        await stale(update, context)


def register(app: App) -> None:
    """Menu navigation."""
    app.add_handler(PrivateButtons(browse, pattern=PATTERN))


def register_stale(app: App) -> None:
    """Any button no other handler took: registered last."""
    app.add_handler(CallbackQueryHandler(stale))
