"""The composition root: ``build_application`` is used by ``run``, ``chat`` and tests.

It wires the layers together — content and understanding (the assistant, menus), storage
(through the persistence), and the Telegram handlers and jobs — and owns the services' life
cycle through ``post_init``/``post_shutdown``. Nothing imports this module but the entry points.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, cast

from telegram import BotCommand, BotCommandScopeDefault
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.content.languages import LANGUAGES
from bot.settings import Settings
from bot.telegram import digest_job, heartbeat, retention
from bot.telegram.content import load_content
from bot.telegram.context import COMMANDS, SERVICES, App, BotContext, Services, services_of
from bot.telegram.error_reports import ErrorReports
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import register_all
from bot.telegram.keyboards import HIDDEN_ACTIONS
from bot.telegram.persistence import SQLitePersistence
from bot.telegram.updates import PerUserUpdateProcessor

_LOGGER = logging.getLogger(__name__)


class ExchangeApplication(Application[Any, BotContext, Any, Any, Any, Any]):
    """python-telegram-bot's Application with write-through persistence: what an update
    changed is saved before the next update is handled, so a killed process loses no form
    step. While an update is handled, keyboards leave out the buttons of features this
    deployment lacks (:data:`bot.telegram.keyboards.HIDDEN_ACTIONS`)."""

    hidden_actions: frozenset[str] = frozenset()

    async def process_update(self, update: object) -> None:
        token = HIDDEN_ACTIONS.set(self.hidden_actions)
        try:
            await super().process_update(update)
        finally:
            HIDDEN_ACTIONS.reset(token)
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


async def post_init(application: App) -> None:
    """Open the services (the storage, shared with the persistence), then register the
    command list with Telegram once per language (``set_my_commands``)."""
    services = services_of(application)
    services.storage = await cast(SQLitePersistence, application.persistence).storage()
    if not services.settings.coordinator_ids:
        _LOGGER.info(
            "No coordinator configured (BOT_COORDINATOR_IDS is empty): hand-offs and sign-up "
            "notices are off, and the 'Ask a coordinator' buttons are hidden"
        )
    texts = services.assistant.texts
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
    the in-process Bot API emulator); everything else is the same as in production. Whoever
    runs the application without ``run_polling``/``run_webhook`` calls ``post_init`` after
    ``initialize``, as those do.
    """
    content = load_content(settings)  # knowledge with the learned examples, texts, menus, form
    builder = (
        ApplicationBuilder()
        .application_class(ExchangeApplication)
        .token(settings.telegram_token or "0:OFFLINE")
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tzinfo, do_quote=False))
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLitePersistence(settings.database_path))
        .post_init(post_init)
        .concurrent_updates(PerUserUpdateProcessor())
    )
    if rate_limit:
        builder = builder.rate_limiter(MessageRateLimiter(max_retries=3))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = cast(ExchangeApplication, builder.build())
    services = Services(settings, content.assistant, content.menus, FloodGuard(), content.form)
    services.error_reports = ErrorReports(settings.error_report_minutes * 60)
    application.bot_data[SERVICES] = services
    if not settings.coordinator_ids:
        application.hidden_actions = frozenset({"coordinator"})
    register_all(application)
    retention.schedule(application)
    digest_job.schedule(application)
    heartbeat.schedule(application)
    return application
