"""/start (with deep links such as ``t.me/<bot>?start=fees``), /help and /menu."""

from __future__ import annotations

import html

from telegram import Update

from bot.telegram.context import App, BotContext
from bot.telegram.handlers.common import (
    command,
    main_menu_text,
    send,
    topic_rows,
    user_language,
)

TEXTS = frozenset({"help", "welcome", "signup_unfinished"})


async def start(update: Update, context: BotContext) -> None:
    """Welcome the student; a deep-link payload naming a topic or menu opens it directly."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    payload = context.args[0] if context.args else ""
    if (
        payload in services.content.assistant.kb.entries
        or payload in services.content.assistant.kb.items
    ):
        reply = services.content.assistant.topic_reply(payload, lang)
        await send(update, reply.text, topic_rows(services, reply, lang))
        return
    if payload in services.content.menus.menus:
        screen = services.content.menus.screen(payload, lang)
        await send(update, screen.text, screen.rows)
        return
    user = update.effective_user
    name = html.escape(user.first_name if user else "")
    await send(update, services.content.texts.get("welcome", lang, name=name))
    screen = services.content.menus.screen("main", lang)
    await send(update, main_menu_text(context, screen.text, lang), screen.rows)


async def help_command(update: Update, context: BotContext) -> None:
    """What the bot can do, with the main menu button."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    await send(
        update,
        services.content.texts.get("help", lang),
        [[services.content.assistant.menu_button(lang)]],
    )


async def menu(update: Update, context: BotContext) -> None:
    """The main menu as a new message."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    screen = services.content.menus.screen("main", lang)
    await send(update, main_menu_text(context, screen.text, lang), screen.rows)


def register(app: App) -> None:
    """/start, /help, /menu (private chats only, like every student feature)."""
    app.add_handler(command("start", start))
    app.add_handler(command("help", help_command))
    app.add_handler(command("menu", menu))
