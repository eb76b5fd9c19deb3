"""Outbound faults: what a failed Bot API call means, and retrying the transient ones.

A send or edit that fails with a transient error — 429 with ``retry_after``, a 5xx, a timeout,
a lost connection — is tried again, after ``retry_after`` or an exponential backoff, for at
most :data:`RETRY_BUDGET` seconds in all; only the call that failed waits, other students' calls
go on. A permanent error (403: the student blocked the bot; 400: a request Telegram refuses)
is logged by endpoint and error type (never with the request's content) and not retried.

A timed-out call may have been delivered: retrying it can show the student a message twice,
which is better than not at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Final, TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_BUDGET: Final = 600.0  # seconds: a call is given up 10 minutes after its first attempt
FIRST_BACKOFF: Final = 0.5
MAX_BACKOFF: Final = 30.0
# Calls that show the student something, or that the bot needs at start: retried.
RETRIED: Final = ("send", "edit", "answerCallbackQuery", "forward", "copy", "deleteMessage")
RETRIED_EXACT: Final = frozenset({"setMyCommands", "setChatMenuButton"})
GAVE_UP: Final = "bot_gave_up_retrying"  # set on an error raised after the last retry
INTERRUPTED: Final = "bot_stopping"  # set on an error not retried because the bot stops


def is_retried(endpoint: str) -> bool:
    """Whether calls of ``endpoint`` are retried on transient errors (not sendChatAction: the
    typing indicator is best effort)."""
    return endpoint != "sendChatAction" and (
        endpoint.startswith(RETRIED) or endpoint in RETRIED_EXACT
    )


def shows_content(endpoint: str) -> bool:
    """Whether a call shows the student a message (not just stops a button's spinner)."""
    return endpoint.startswith(("send", "edit", "copy", "forward"))


def is_transient(error: BaseException) -> bool:
    """A Bot API error worth retrying: 429, 5xx, timeouts, network errors (not 400)."""
    return isinstance(error, RetryAfter) or (
        isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    )


def is_delivery_failure(error: BaseException) -> bool:
    """The Bot API failed to deliver (transient errors after every retry, or a student who
    blocked the bot): an apology would go the same way, or reach a student already answered."""
    return bool(getattr(error, GAVE_UP, False)) or isinstance(error, Forbidden)


def interrupted(error: BaseException) -> bool:
    """Whether ``error`` ended a call that was not retried because the bot is stopping."""
    return bool(getattr(error, INTERRUPTED, False))


def retry_delay(error: RetryAfter) -> float:
    """The seconds Telegram asks to wait."""
    value = error._retry_after  # a timedelta; the public one may be an int
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def with_retries(
    endpoint: str,
    call: Callable[[], Awaitable[T]],
    *,
    budget: float = RETRY_BUDGET,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    stopping: Callable[[], bool] = lambda: False,
) -> T:
    """``await call()``, retried on transient errors within ``budget`` seconds; not retried
    once ``stopping()`` (the bot shuts down: the update stays in the inbox instead)."""
    deadline = clock() + budget
    backoff = FIRST_BACKOFF
    attempt = 0
    while True:
        try:
            return await call()
        except TelegramError as error:
            if not is_transient(error):
                _LOGGER.warning(
                    "%s refused by the Bot API (%s); not retried", endpoint, type(error).__name__
                )
                raise
            if isinstance(error, RetryAfter):
                wait = retry_delay(error) + 0.1
            else:
                wait, backoff = backoff, min(backoff * 2, MAX_BACKOFF)
            attempt += 1
            if stopping():  # a reply is left for the next start; a spinner is given up
                setattr(error, INTERRUPTED if shows_content(endpoint) else GAVE_UP, True)
                raise
            if clock() + wait > deadline:
                setattr(error, GAVE_UP, True)
                _LOGGER.error(
                    "%s failed %d times (%s), giving up after %.0f s",
                    endpoint,
                    attempt,
                    type(error).__name__,
                    budget,
                )
                raise
            _LOGGER.info(
                "%s failed (%s); retry %d in %.1f s", endpoint, type(error).__name__, attempt, wait
            )
            await sleep(wait)
