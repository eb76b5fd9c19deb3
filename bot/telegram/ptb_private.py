"""The fence around python-telegram-bot's private API: the one module that overrides or calls
a private name of python-telegram-bot, or imports from its private modules.

:class:`HookedUpdater` overrides ``Updater``'s private start and stop hooks and hands them to
methods with names of our own (:meth:`~HookedUpdater.begin_polling`,
:meth:`~HookedUpdater.begin_webhook`, :meth:`~HookedUpdater.end_intake`), which
:class:`bot.telegram.inbox.InboxUpdater` implements. :data:`FENCED` records the signature of
every private callable used here as python-telegram-bot 22.8 has it; tests/test_ptb_private.py
compares it with the installed version and fails, naming the callable, when an upgrade changes
one (docs/upgrading.md says what to check then).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Updater
from telegram.ext._utils.types import CDCData  # the type BasePersistence itself uses

__all__ = ["FENCED", "CDCData", "HookedUpdater", "PollingStart", "WebhookStart", "post_unparsed"]

# Each private callable of python-telegram-bot used in bot/, with its parameters (name, kind)
# in the version pinned in pyproject.toml.
FENCED: Final[dict[str, tuple[Any, str, tuple[str, ...]]]] = {
    "Updater._start_polling (overridden)": (
        Updater,
        "_start_polling",
        (
            "self",
            "poll_interval",
            "timeout",
            "bootstrap_retries",
            "drop_pending_updates",
            "allowed_updates",
            "ready",
            "error_callback",
        ),
    ),
    "Updater._start_webhook (overridden)": (
        Updater,
        "_start_webhook",
        (
            "self",
            "listen",
            "port",
            "url_path",
            "bootstrap_retries",
            "allowed_updates",
            "cert",
            "key",
            "drop_pending_updates",
            "webhook_url",
            "ready",
            "ip_address",
            "max_connections",
            "secret_token",
            "unix",
        ),
    ),
    "Updater._stop_polling (overridden)": (Updater, "_stop_polling", ("self",)),
    "Updater._bootstrap (called)": (
        Updater,
        "_bootstrap",
        (
            "self",
            "max_retries",
            "webhook_url",
            "allowed_updates",
            "drop_pending_updates",
            "cert",
            "bootstrap_interval",
            "ip_address",
            "max_connections",
            "secret_token",
        ),
    ),
    "Bot._post (called)": (
        Bot,
        "_post",
        (
            "self",
            "endpoint",
            "data",
            "read_timeout",
            "write_timeout",
            "connect_timeout",
            "pool_timeout",
            "api_kwargs",
        ),
    ),
}


@dataclass(frozen=True)
class PollingStart:
    """What ``Updater.start_polling`` was given (``timeout`` in seconds)."""

    poll_interval: float
    timeout: float
    bootstrap_retries: int
    drop_pending_updates: bool | None
    allowed_updates: Sequence[str] | None
    ready: asyncio.Event


@dataclass(frozen=True)
class WebhookStart:
    """What ``Updater.start_webhook`` was given (TLS and unix sockets refused)."""

    listen: str
    port: int
    url_path: str
    bootstrap_retries: int
    allowed_updates: Sequence[str] | None
    drop_pending_updates: bool | None
    webhook_url: str | None
    ready: asyncio.Event | None
    ip_address: str | None
    max_connections: int
    secret_token: str | None


class HookedUpdater(Updater):
    """``Updater`` whose private hooks call :meth:`begin_polling`, :meth:`begin_webhook` and
    :meth:`end_intake`. ``Updater.start_polling``/``start_webhook``/``stop`` keep their public
    behaviour (the lock, ``running``, waiting for ``ready``); only what fetches updates changes.
    """

    async def begin_polling(self, start: PollingStart) -> None:
        """Start fetching updates by polling; set ``start.ready`` once it runs."""
        raise NotImplementedError

    async def begin_webhook(self, start: WebhookStart) -> None:
        """Start taking updates by webhook; set ``start.ready`` once it listens."""
        raise NotImplementedError

    async def end_intake(self) -> None:
        """Stop polling or the webhook (``Updater.stop``)."""
        raise NotImplementedError

    async def bootstrap(self, max_retries: int, webhook_url: str, **kwargs: Any) -> None:
        """Set or delete the webhook at the Bot API, with python-telegram-bot's retries."""
        await self._bootstrap(max_retries=max_retries, webhook_url=webhook_url, **kwargs)

    # python-telegram-bot's private hooks, overridden (signatures in FENCED)

    async def _start_polling(  # noqa: PLR0917 - PTB's signature
        self,
        poll_interval: float,
        timeout: float | timedelta,
        bootstrap_retries: int,
        drop_pending_updates: bool | None,
        allowed_updates: Sequence[str] | None,
        ready: asyncio.Event,
        error_callback: Callable[[TelegramError], None] | None,
    ) -> None:
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        await self.begin_polling(
            PollingStart(
                poll_interval, seconds, bootstrap_retries, drop_pending_updates, allowed_updates,
                ready,
            )
        )  # fmt: skip

    async def _start_webhook(  # noqa: PLR0917 - PTB's signature
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Sequence[str] | None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        drop_pending_updates: bool | None = None,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: Any = None,
    ) -> None:
        if cert is not None or key is not None:
            raise TelegramError("TLS is for the reverse proxy: run the webhook without cert/key")
        if unix is not None:
            raise TelegramError("the webhook listens on a TCP port, not on a unix socket")
        await self.begin_webhook(
            WebhookStart(
                listen, port, url_path, bootstrap_retries, allowed_updates, drop_pending_updates,
                webhook_url, ready, ip_address, max_connections, secret_token,
            )
        )  # fmt: skip

    async def _stop_polling(self) -> None:
        # Updater.stop calls _stop_httpd (nothing: we never set _httpd), then this.
        await self.end_intake()


def post_unparsed(bot: Bot, method: str, data: dict[str, Any], read_timeout: float) -> Any:
    """A Bot API call whose result comes back as JSON, not parsed into telegram objects (the
    inbox parses each update alone). An awaitable."""
    return bot._post(method, data, read_timeout=read_timeout)
