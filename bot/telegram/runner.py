"""``python -m bot run``: the bot on Telegram, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.application import ExchangeApplication, build_application
from bot.telegram.inbox import run_polling
from bot.telegram.logs import configure_logging
from bot.telegram.startup import (
    PortInUseError,
    check_data_dir,
    check_port,
    describe,
    remove_webhook,
)

BOOTSTRAP_RETRIES = 2  # a Bot API briefly unreachable at start is retried, then we give up


def run(
    settings: Settings,
    extend: Callable[[Application[Any, Any, Any, Any, Any, Any]], None] | None = None,
) -> int:
    """Run until SIGINT or SIGTERM (python-telegram-bot stops cleanly on both); ``extend``
    adds to the application before it runs (the console, :func:`bot.web.install`). Whatever
    stops the start is one line on stderr (never the token) and exit code 2."""
    if not settings.telegram_token:
        print(
            "error: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, "
            "or try the bot offline with: python -m bot chat",
            file=sys.stderr,
        )
        return 2
    quiet = configure_logging(
        settings.log_level, (settings.telegram_token, settings.webhook_secret)
    )
    try:
        check_data_dir(settings)
        check_port(settings)
        application = build_application(settings)
        if extend is not None:
            extend(application)

        async def up(_: object) -> None:  # the job queue starts once polling or the webhook is up
            quiet.lift()

        if application.job_queue is not None:
            application.job_queue.run_once(up, 0, name="logging: libraries heard again")
        _serve(application, settings)
    except Exception as error:  # whatever stops the start: one line, no traceback
        line = _failure(error, settings)
        if isinstance(error, PortInUseError) and asyncio.run(remove_webhook(settings)):
            line = f"{line}; the webhook was removed at the Bot API meanwhile"
        print(f"error: {_redacted(line, settings)}", file=sys.stderr)
        return 2
    return 0


def _serve(application: ExchangeApplication, settings: Settings) -> None:
    if settings.webhook_url:
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
    else:
        run_polling(  # polling through the inbox; another poller of the token stops it
            application, allowed_updates=Update.ALL_TYPES, bootstrap_retries=BOOTSTRAP_RETRIES
        )


def _failure(error: Exception, settings: Settings) -> str:
    """The line that says why the start failed."""
    if isinstance(error, InvalidToken):
        return (
            "Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped? copy it again "
            "from @BotFather)"
        )
    if isinstance(error, BadRequest):  # reached the Bot API, which refused the set-up
        return f"the Bot API refused the start: {error}"
    if isinstance(error, NetworkError):
        return f"cannot reach the Bot API at {settings.api_base_url}: {error}"
    if isinstance(error, TelegramError):  # another poller, a Bot API refusal…
        return str(error)
    known = describe(error)
    return f"the bot cannot start: {known or f'{type(error).__name__}: {error}'}"


def _redacted(error: BaseException | str, settings: Settings) -> str:
    """The error's message on one line, without the token or the webhook secret."""
    text = " ".join(str(error).split())
    for secret in (settings.telegram_token, settings.webhook_secret):
        text = text.replace(secret, "<secret>") if secret else text
    return text
