"""/coordinator (and /help, when a coordinator sends it): the coordinators' commands, in the
coordinator's language. The list is data: ``commands`` in ``conversations/coordinators.yaml``,
each described by the text ``coordinator_command_<name>``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_places
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset({"coordinator_help_footer", "coordinator_help_line", "coordinator_help_title"})
SOURCE = "coordinators.yaml"


def load_commands(app: App) -> tuple[str, ...]:
    """The coordinators' commands, in order, each checked to have its text."""
    services = services_of(app)
    path = services.settings.conversations_dir / SOURCE
    data = load_yaml(path) if path.is_file() else {}
    commands = data.get("commands") if isinstance(data, dict) else None
    if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
        raise KnowledgeError([f"{SOURCE}: 'commands' must list the coordinators' commands"])
    services.assistant.texts.require({f"coordinator_command_{c}" for c in commands}, SOURCE)
    return tuple(commands)


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

    places = coordinator_places(services_of(app).settings)
    app.add_handler(CommandHandler(["coordinator", "help"], coordinator_help, filters=places))
