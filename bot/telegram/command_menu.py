"""The command lists Telegram shows in its "/" menu: the students' commands in each language
(the default scope), and in each coordinator's private chat the coordinators' commands too.

The coordinators' commands are data: ``commands`` in ``conversations/coordinators.yaml``,
each described by the text ``coordinator_command_<name>``.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.telegram.context import COMMANDS, Services
from bot.telegram.coordinators import is_coordinator

_LOGGER = logging.getLogger(__name__)
SOURCE = "coordinators.yaml"


def coordinator_commands(services: Services) -> tuple[str, ...]:
    """The coordinators' commands, in order, each checked to have its text."""
    path = services.settings.conversations_dir / SOURCE
    data = load_yaml(path) if path.is_file() else {}
    commands = data.get("commands") if isinstance(data, dict) else None
    if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
        raise KnowledgeError([f"{SOURCE}: 'commands' must list the coordinators' commands"])
    services.content.texts.require({f"coordinator_command_{c}" for c in commands}, SOURCE)
    return tuple(commands)


def menu(services: Services, lang: str, user_id: int | None = None) -> list[BotCommand]:
    """The menu of ``user_id`` in ``lang``: the students' commands, and a coordinator's."""
    texts = services.content.texts
    commands = [BotCommand(c, texts.get(f"command_{c}", lang)) for c in COMMANDS]
    if is_coordinator(services.settings, user_id):
        commands += [
            BotCommand(c, texts.get(f"coordinator_command_{c}", lang))
            for c in coordinator_commands(services)
            if c not in COMMANDS
        ]
    return commands


async def register_all(bot: Bot, services: Services) -> None:
    """At start: the students' menu per language, and the own menu of each coordinator known
    to have a chat with the bot (one who chose a language). Telegram refuses a menu for a chat
    it does not know, so the others get theirs with /coordinator or /language."""
    for lang in LANGUAGES:
        code = None if lang == "en" else lang
        await bot.set_my_commands(
            menu(services, lang), scope=BotCommandScopeDefault(), language_code=code
        )
    for user_id in sorted(services.settings.coordinator_ids):
        chosen = await services.storage.get_language(user_id)
        if chosen is None:
            continue
        try:
            await set_for_chat(bot, services, user_id, chosen, user_id)
        except TelegramError as error:
            _LOGGER.info("no command menu for coordinator %s yet: %s", user_id, error.message)


async def set_for_chat(
    bot: Bot, services: Services, chat_id: int, lang: str, user_id: int | None
) -> None:
    """The menu of one private chat, in ``lang`` (after /language)."""
    await bot.set_my_commands(menu(services, lang, user_id), scope=BotCommandScopeChat(chat_id))


async def reset_chat(bot: Bot, services: Services, chat_id: int, user_id: int | None) -> None:
    """After /forget: a student's chat falls back to the default menu; a coordinator keeps
    theirs, in English."""
    if is_coordinator(services.settings, user_id):
        await set_for_chat(bot, services, chat_id, "en", user_id)
    else:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
