"""The one application factory: ``build_application`` is used by ``run``, ``chat`` and tests."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    Defaults,
    ExtBot,
)
from telegram.request import BaseRequest

from bot.content.languages import LANGUAGES
from bot.content.menus import Menus
from bot.flood import FloodGuard
from bot.persistence import SQLitePersistence
from bot.settings import Settings
from bot.storage import Storage
from bot.understanding.answers import Assistant
from bot.updates import PerUserUpdateProcessor

_LOGGER = logging.getLogger(__name__)
SERVICES = "services"
App = Application[Any, Any, Any, Any, Any, Any]
COMMANDS = ("start", "menu", "help", "signup", "language", "mydata", "forget", "cancel")


@dataclass
class Services:
    """What handlers need besides Telegram, reached typed through ``context.services``."""

    settings: Settings
    assistant: Assistant
    menus: Menus
    flood: FloodGuard
    storage: Storage = field(init=False)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of this bot, with typed access to its services."""

    @property
    def services(self) -> Services:
        """Settings, assistant, menus, storage."""
        return cast(Services, self.bot_data[SERVICES])


class ExchangeApplication(Application[Any, BotContext, Any, Any, Any, Any]):
    """python-telegram-bot's Application, plus the storage's life cycle and write-through
    persistence: what an update changed is saved before the next update is handled, so a
    killed process loses no form step."""

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES])

    async def initialize(self) -> None:
        await super().initialize()
        persistence = cast(SQLitePersistence, self.persistence)
        self.services.storage = await persistence.storage()

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        await self.update_persistence()


class MessageRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter for Telegram's message limits (30 a second, 20 a
    minute in a group); a chat action ("typing…") is not a message and does not queue behind
    them, which would halve the answers a second under load. It is sent best effort."""

    async def process_request(  # noqa: PLR0917 - python-telegram-bot's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


async def register_commands(application: App) -> None:
    """Register the command list with Telegram, once per language (``set_my_commands``)."""
    texts = cast(Services, application.bot_data[SERVICES]).assistant.texts
    for lang in LANGUAGES:
        commands = [BotCommand(c, texts.get(f"command_{c}", lang)) for c in COMMANDS]
        code = None if lang == "en" else lang
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=code
        )


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> ExchangeApplication:
    """Build the bot: defaults, persistence, rate limiter, services and every handler.

    ``request``/``updates_request`` replace the HTTP transport (the offline chat and tests pass
    the in-process Bot API emulator); everything else is the same as in production.
    """
    from bot.handlers import register_all  # handlers and jobs import this module
    from bot.retention import schedule as schedule_retention

    assistant = Assistant.load(
        settings.knowledge_dir, settings.conversations_dir, settings.data_dir / "cache"
    )
    menus = Menus.load(settings.conversations_dir / "menus.yaml", assistant.kb, assistant.texts)
    builder = (
        ApplicationBuilder()
        .application_class(ExchangeApplication)
        .token(settings.telegram_token or "0:OFFLINE")
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tzinfo, do_quote=False))
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLitePersistence(settings.database_path))
        .post_init(register_commands)
        .concurrent_updates(PerUserUpdateProcessor())
    )
    if rate_limit:
        builder = builder.rate_limiter(MessageRateLimiter(max_retries=3))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = cast(ExchangeApplication, builder.build())
    application.bot_data[SERVICES] = Services(settings, assistant, menus, FloodGuard())
    register_all(application)
    schedule_retention(application)
    return application


__all__ = ["App", "BotContext", "ExchangeApplication", "Services", "Update", "build_application"]
