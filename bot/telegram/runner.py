"""``python -m bot run``: the bot on Telegram, by long polling or by webhook."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.settings import Settings
from bot.storage import StorageError
from bot.telegram.application import build_application
from bot.telegram.inbox import run_polling
from bot.telegram.logs import configure_logging

BOOTSTRAP_RETRIES = 2  # a Bot API briefly unreachable at start is retried, then we give up


def run(
    settings: Settings,
    extend: Callable[[Application[Any, Any, Any, Any, Any, Any]], None] | None = None,
) -> int:
    """Run until SIGINT or SIGTERM (python-telegram-bot stops cleanly on both); ``extend``
    adds to the application before it runs (the console, :func:`bot.web.install`)."""
    if not settings.telegram_token:
        print(
            "error: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, "
            "or try the bot offline with: python -m bot chat",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log_level, (settings.telegram_token, settings.webhook_secret))
    application = build_application(settings)
    if extend is not None:
        extend(application)
    try:
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
    except InvalidToken:
        print(
            "error: Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped? copy it again "
            "from @BotFather)",
            file=sys.stderr,
        )
        return 2
    except BadRequest as error:  # reached the Bot API, which refused the set-up
        print(
            f"error: the Bot API refused the start: {_redacted(error, settings)}", file=sys.stderr
        )
        return 2
    except NetworkError as error:
        print(
            f"error: cannot reach the Bot API at {settings.api_base_url}: "
            f"{_redacted(error, settings)}",
            file=sys.stderr,
        )
        return 2
    except (TelegramError, StorageError) as error:
        print(f"error: {_redacted(error, settings)}", file=sys.stderr)
        return 2
    return 0


def _redacted(error: BaseException, settings: Settings) -> str:
    """The error's message on one line, without the token or the webhook secret."""
    text = " ".join(str(error).split())
    for secret in (settings.telegram_token, settings.webhook_secret):
        text = text.replace(secret, "<secret>") if secret else text
    return text
