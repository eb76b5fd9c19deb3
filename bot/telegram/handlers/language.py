"""/language: the student picks the reply language, kept across restarts."""

from __future__ import annotations

from telegram import Update

from bot.content.buttons import Button
from bot.content.languages import LANGUAGES
from bot.telegram import callbacks, command_menu
from bot.telegram.context import COMMANDS, App, BotContext
from bot.telegram.handlers.common import PrivateButtons, command, show, stale, user_language

TEXTS = frozenset(
    {
        "language_prompt",
        "language_set",
        *(f"language_name_{code}" for code in LANGUAGES),
        *(f"command_{c}" for c in COMMANDS),
    }
)


async def prompt(update: Update, context: BotContext) -> None:
    """Offer the three languages as buttons."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    texts = services.content.texts
    rows = [
        [Button(texts.get(f"language_name_{code}", code), f"lang:{code}") for code in LANGUAGES]
    ]
    await show(update, services.content.texts.get("language_prompt", lang), rows)


async def choose(update: Update, context: BotContext) -> None:
    """Store the choice, confirm in the new language, and localise this chat's commands."""
    services = context.services
    parts = callbacks.parse(update.callback_query.data if update.callback_query else None)
    code = parts[1] if parts and len(parts) == 2 else ""
    user, chat = update.effective_user, update.effective_chat
    if code not in LANGUAGES or user is None or chat is None:
        await stale(update, context)
        return
    await services.storage.set_language(user.id, code)
    texts = services.content.texts
    await show(
        update, texts.get("language_set", code), [[services.content.assistant.menu_button(code)]]
    )
    await command_menu.set_for_chat(context.bot, services, chat.id, code, user.id)


def register(app: App) -> None:
    """/language and its buttons."""
    app.add_handler(command("language", prompt))
    app.add_handler(PrivateButtons(prompt, pattern=callbacks.pattern("language$")))
    app.add_handler(PrivateButtons(choose, pattern=callbacks.pattern("lang:")))
