"""The composition root: ``build_application`` is used by ``run``, ``chat`` and tests.

It wires the layers together — content and understanding (the assistant, menus), storage
(through the persistence), and the Telegram handlers and jobs. The services start in
``post_init`` (the storage is the persistence's, which closes it at shutdown). Nothing
imports this module but the entry points.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, cast

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.settings import Settings
from bot.telegram import (
    command_menu,
    delivery,
    digest_job,
    heartbeat,
    inbox,
    relay_batches,
    responsiveness,
    retention,
)
from bot.telegram.content import Content, LiveContent, load_content
from bot.telegram.context import SERVICES, App, BotContext, Services, services_of
from bot.telegram.error_reports import ErrorReports
from bot.telegram.flood import FloodGuard
from bot.telegram.handlers import questions, register_all
from bot.telegram.inbox import inbox_of
from bot.telegram.keyboards import HIDDEN_ACTIONS
from bot.telegram.outbox import Outbox
from bot.telegram.persistence import SQLitePersistence
from bot.telegram.updates import PerUserUpdateProcessor

_LOGGER = logging.getLogger(__name__)
_INTERRUPTED = "interrupted_updates"  # bot_data key: updates whose reply the shutdown cut short


class ExchangeApplication(Application[Any, BotContext, Any, Any, Any, Any]):
    """python-telegram-bot's Application with write-through persistence: what an update
    changed is saved before the next update is handled, so a killed process loses no form
    step; then the update leaves the inbox (:mod:`bot.telegram.inbox`). While an update is
    handled, keyboards leave out the buttons of features this deployment lacks
    (:data:`bot.telegram.keyboards.HIDDEN_ACTIONS`), and courtesy calls (the typing indicator,
    a button's spinner) never delay the reply (:mod:`bot.telegram.responsiveness`)."""

    hidden_actions: frozenset[str] = frozenset()
    typing_delay: float = responsiveness.TYPING_DELAY

    async def process_update(self, update: object) -> None:
        inbox = inbox_of(self)
        token = HIDDEN_ACTIONS.set(self.hidden_actions)
        try:
            async with responsiveness.handling(update, self.bot, self.typing_delay):
                await super().process_update(update)
            await self.update_persistence()
        except BaseException:
            if inbox is not None:
                inbox.abandon(update)  # stays in the inbox: handled again at the next start
            raise
        finally:
            HIDDEN_ACTIONS.reset(token)
        if inbox is None:
            return
        if isinstance(update, Update) and update.update_id in self._interrupted:
            self._interrupted.discard(update.update_id)
            inbox.abandon(update)  # a reply cut short by the shutdown: handled again at start
        else:
            await inbox.done(update)  # handled and persisted: out of the inbox

    async def process_error(
        self,
        update: object | None,
        error: Exception,
        job: Any = None,
        coroutine: Any = None,
    ) -> bool:
        """A Bot API call cut short by the shutdown is no error: the update stays in the inbox."""
        if delivery.interrupted(error) and isinstance(update, Update):
            _LOGGER.info("update %d left in the inbox: the bot is stopping", update.update_id)
            self._interrupted.add(update.update_id)
            return False
        return await super().process_error(update, error, job, coroutine)

    async def stop(self) -> None:
        """Stop; Bot API calls failing from now on are not retried (see process_error)."""
        if isinstance(self.bot.rate_limiter, MessageRateLimiter):
            self.bot.rate_limiter.stopping = True
        await super().stop()

    @property
    def _interrupted(self) -> set[int]:
        return cast(set[int], self.bot_data.setdefault(_INTERRUPTED, set()))


class MessageRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter for Telegram's message limits (30 a second, 20 a
    minute in a group); a chat action ("typing…") is not a message and does not queue behind
    them, which would halve the answers a second under load. It is sent best effort.

    Sends and edits that fail with a transient error (429, 5xx, timeouts, network errors) are
    retried by :func:`bot.telegram.delivery.with_retries`: each call waits on its own, instead
    of AIORateLimiter pausing every call after a 429 and retrying only those."""

    stopping = False  # set when the application stops: failed calls are not retried then

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
        if not delivery.is_retried(endpoint):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group: int | str | bool = (
            chat_id
            if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
            else False
        )

        async def once() -> bool | dict[str, Any] | list[dict[str, Any]]:
            # One attempt through AIORateLimiter's limiters (the same as its own loop runs).
            return await self._run_request(
                chat=chat_id is not None,
                group=group,
                allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                callback=callback,
                args=args,
                kwargs=kwargs,
            )

        return await delivery.with_retries(endpoint, once, stopping=lambda: self.stopping)


async def post_init(application: App) -> None:
    """Open the services (the storage, shared with the persistence), register the command
    menus with Telegram (:mod:`bot.telegram.command_menu`), and build the spelling correctors
    in a worker thread."""
    services = services_of(application)
    services.storage = await cast(SQLitePersistence, application.persistence).storage()
    if not services.settings.coordinator_ids:
        _LOGGER.info(
            "No coordinator configured (BOT_COORDINATOR_IDS is empty): hand-offs and sign-up "
            "notices are off, and the 'Ask a coordinator' buttons are hidden"
        )
    await command_menu.register_all(application.bot, services)
    # What the first question would build on the event loop (0.2-0.3 s that every update in
    # flight waits for), built in a worker thread as soon as the application runs (a job, so
    # that shutdown awaits it; the offline chat, which runs no job queue, builds it on its
    # first question).
    if application.job_queue is not None:  # always, with python-telegram-bot[job-queue]
        application.job_queue.run_once(_build_spelling, 0, name="spelling")


async def _build_spelling(context: BotContext) -> None:
    """Build the spelling correctors of the content in use, in a worker thread."""
    await asyncio.to_thread(context.services.content.assistant.matcher.build_spelling)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    content: Content | None = None,
) -> ExchangeApplication:
    """Build the bot: defaults, persistence, rate limiter, services and every handler.

    ``request``/``updates_request`` replace the HTTP transport (the offline chat and tests pass
    the in-process Bot API emulator); everything else is the same as in production. Whoever
    runs the application without ``run_polling``/``run_webhook`` calls ``post_init`` after
    ``initialize``, as those do. ``content`` is a version already loaded from the settings'
    files (tests share one); by default it is loaded here.
    """
    if content is None:  # knowledge with the learned examples, texts, menus, form
        content = load_content(settings)
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
    updater = inbox.install(
        application,
        cast(SQLitePersistence, application.persistence).storage,
        flood=lambda: services_of(application).flood,
    )
    updater.prepare = questions.match_ahead(application)
    flood = FloodGuard(exempt=settings.coordinator_ids)
    services = Services(settings, LiveContent(settings, content), flood)
    services.error_reports = ErrorReports(settings.error_report_minutes * 60)
    services.relays = Outbox("relays", relay_batches.flush)  # type: ignore[arg-type]
    application.bot_data[SERVICES] = services
    if not settings.coordinator_ids:
        application.hidden_actions = frozenset({"coordinator"})
    register_all(application)
    retention.schedule(application)
    digest_job.schedule(application)
    heartbeat.schedule(application)
    return application
