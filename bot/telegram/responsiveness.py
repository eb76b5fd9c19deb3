"""Nothing between a student's update and its reply but the reply: Bot API calls that are only
courtesies run alongside the reply, never before it.

While an update from a private chat is handled (:func:`handling`, entered by
``ExchangeApplication.process_update``):

- **The typing indicator** is sent only when the student has waited :data:`TYPING_DELAY`
  seconds with no message from the bot (a chart being drawn, an export, a slow disk): answers
  take milliseconds, and awaiting ``sendChatAction`` before each would add a whole round trip
  to Telegram to every answer. Each message or edit sent through
  :mod:`bot.telegram.handlers.common` (:func:`replying`) stops the wait and starts it again
  once delivered; Telegram shows the indicator for 5 s, so it is sent again every
  :data:`TYPING_REPEAT` seconds while the wait lasts.
- **A pressed button's spinner** is stopped (``answerCallbackQuery``) in a task started at once
  (:func:`alongside`), so that the edit or the message that answers the press goes out in the
  same round trip instead of after it. The tasks are awaited before the update counts as
  handled (so before the inbox lets it go).

Outside :func:`handling` (a job, a test feeding a handler directly) both behave as before: no
indicator, calls awaited in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any, Final

from telegram import Bot, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError

_LOGGER = logging.getLogger(__name__)

TYPING_DELAY: Final = 0.7  # seconds without a message before "typing…" is shown
TYPING_REPEAT: Final = 4.5  # Telegram clears the indicator after 5 s


class Handling:
    """One update being handled: its typing timer and the calls running alongside it."""

    def __init__(self, bot: Bot, chat_id: int, delay: float) -> None:
        self.bot, self.chat_id, self.delay = bot, chat_id, delay
        self.calls: list[asyncio.Task[None]] = []
        self._timer: asyncio.Task[None] | None = None
        self._on_the_wire: asyncio.Task[None] | None = None  # a sendChatAction under way
        self._open = True

    def arm(self) -> None:
        """Start waiting: "typing…" is shown if nothing is sent within the delay."""
        self.disarm()
        if self._open:
            self._timer = asyncio.create_task(self._typing(), name="typing-indicator")

    def disarm(self) -> None:
        """A message goes out (or handling ended): no indicator."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def close(self) -> None:
        """Handling ended: stop the timer, wait for the calls made alongside (and for a
        typing indicator already on its way)."""
        self._open = False
        self.disarm()
        calls = [*self.calls, *([self._on_the_wire] if self._on_the_wire else [])]
        for outcome in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(outcome, Exception):
                _LOGGER.warning("a call made alongside a reply failed (%s)", type(outcome).__name__)

    async def _typing(self) -> None:
        await asyncio.sleep(self.delay)
        while True:
            # Shielded: a reply that goes out meanwhile stops the timer, not a call on the wire
            # (cancelling an HTTP request mid-flight would cost its connection).
            self._on_the_wire = asyncio.ensure_future(self._send_typing())
            await asyncio.shield(self._on_the_wire)
            await asyncio.sleep(TYPING_REPEAT)

    async def _send_typing(self) -> None:
        try:
            await self.bot.send_chat_action(self.chat_id, ChatAction.TYPING)
        except TelegramError:  # a courtesy: never an error
            _LOGGER.debug("typing indicator not sent")


_CURRENT: ContextVar[Handling | None] = ContextVar("handling", default=None)


@contextlib.asynccontextmanager
async def handling(
    update: object, bot: Bot, delay: float = TYPING_DELAY
) -> AsyncIterator[Handling | None]:
    """The scope of handling ``update``: a new message or a button press in a private chat
    gets the typing timer and calls alongside; other updates pass through unchanged."""
    chat = update.effective_chat if isinstance(update, Update) else None
    student = (
        isinstance(update, Update)
        and chat is not None
        and chat.type == ChatType.PRIVATE
        and (update.message is not None or update.callback_query is not None)
    )
    if not student or chat is None:
        yield None
        return
    scope = Handling(bot, chat.id, delay)
    token = _CURRENT.set(scope)
    scope.arm()
    try:
        yield scope
    finally:
        _CURRENT.reset(token)
        await scope.close()


@contextlib.contextmanager
def replying() -> Iterator[None]:
    """Around a message or edit sent to the student: no indicator while it is on its way;
    the wait for the next one starts when it is delivered."""
    scope = _CURRENT.get()
    if scope is None:
        yield
        return
    scope.disarm()
    try:
        yield
    finally:
        scope.arm()


async def alongside(call: Coroutine[Any, Any, None]) -> None:
    """Run ``call`` (one that must not delay the reply: it handles its own errors) in a task
    awaited when the update's handling ends; outside :func:`handling`, await it now."""
    scope = _CURRENT.get()
    if scope is None:
        await call
        return
    scope.calls.append(asyncio.create_task(call))
