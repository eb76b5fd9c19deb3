"""/coordinator (and /help, when a coordinator sends it): the coordinators' commands, in the
coordinator's language. The list is data: ``commands`` in ``conversations/coordinators.yaml``,
each described by the text ``coordinator_command_<name>``."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.ext import CommandHandler

from bot.content.texts import Texts
from bot.telegram import command_menu
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_places
from bot.telegram.handlers.common import send, user_language

CONSOLE_TEXTS = frozenset({"button_console", "console_open", "console_open_private"})
TEXTS = (
    frozenset({"coordinator_help_footer", "coordinator_help_line", "coordinator_help_title"})
    | CONSOLE_TEXTS
)


def load_commands(app: App) -> tuple[str, ...]:
    """The coordinators' commands, in order, each checked to have its text."""
    return command_menu.coordinator_commands(services_of(app))


def register(app: App) -> None:
    """/coordinator and a coordinator's /help (registered before the students' /help)."""
    commands = load_commands(app)

    async def coordinator_help(update: Update, context: BotContext) -> None:
        """The list of commands."""
        services = context.services
        texts = services.content.texts
        lang = await user_language(services, update.effective_user)
        lines = [
            texts.get(
                "coordinator_help_line",
                lang,
                command=command,
                description=texts.get(f"coordinator_command_{command}", lang),
            )
            for command in commands
        ]
        title, footer = (
            texts.get(k, lang) for k in ("coordinator_help_title", "coordinator_help_footer")
        )
        await send(update, "\n".join([title, "", *lines, "", footer]))
        user, chat = update.effective_user, update.effective_chat
        if user is not None and chat is not None and chat.id == user.id:  # their private chat
            await command_menu.set_for_chat(context.bot, services, chat.id, lang, user.id)
        if services.settings.web_url and chat is not None:  # the console (bot/web/), if on
            await _console_button(update, texts, lang, services.settings.web_url)

    places = coordinator_places(services_of(app).settings)
    app.add_handler(CommandHandler(["coordinator", "help"], coordinator_help, filters=places))


async def _console_button(update: Update, texts: Texts, lang: str, url: str) -> None:
    """The "Console" button: a Mini App button in the coordinator's private chat; in a group
    (where Telegram allows no Mini App button) the way to the private chat instead."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.id != chat.id:
        await send(update, texts.get("console_open_private", lang))
        return
    label = texts.get("button_console", lang)
    button = InlineKeyboardButton(label, web_app=WebAppInfo(url))
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            texts.get("console_open", lang), reply_markup=InlineKeyboardMarkup([[button]])
        )
        # The chat's menu button opens it too: set per coordinator chat, never the default.
        await message.get_bot().set_chat_menu_button(
            chat.id, MenuButtonWebApp(label, WebAppInfo(url))
        )
