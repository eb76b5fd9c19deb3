"""/coordinator (and /help, when a coordinator sends it): the coordinators' commands, in the
coordinator's language. The list is data: ``commands`` in ``conversations/coordinators.yaml``,
each described by the text ``coordinator_command_<name>``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.telegram import command_menu
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_places
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset({"coordinator_help_footer", "coordinator_help_line", "coordinator_help_title"})


def load_commands(app: App) -> tuple[str, ...]:
    """The coordinators' commands, in order, each checked to have its text."""
    return command_menu.coordinator_commands(services_of(app))


def register(app: App) -> None:
    """/coordinator and a coordinator's /help (registered before the students' /help)."""
    commands = load_commands(app)

    async def coordinator_help(update: Update, context: BotContext) -> None:
        """The list of commands."""
        services = context.services
        texts = services.assistant.texts
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

    places = coordinator_places(services_of(app).settings)
    app.add_handler(CommandHandler(["coordinator", "help"], coordinator_help, filters=places))
