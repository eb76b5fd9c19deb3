"""A student talking to ``python -m bot run`` (:class:`tests.auxil.harness.BotProcess`) over the
emulator's HTTP server: type or tap, then wait for the reply that shows ``expected``."""

from __future__ import annotations

import asyncio
import html
from collections import deque

from bot.content.texts import Texts
from bot.telegram.flood import FloodGuard
from bot.understanding.answers import Assistant
from telegram_emulator import ChatMessage, SimUser
from telegram_emulator.errors import WaitTimeoutError

REPLY_TIMEOUT = 20.0  # the first reply also waits for the bot process to start
GUARD = FloodGuard()  # the production flood guard's limits, which a bot process runs with
MARGIN = 1.0  # seconds added to its window: an update arrives a little after it is sent
# When each student sent their latest messages, and pressed their latest buttons (counted apart,
# as the guard counts them): keyed by the SimUser object's id, new for each test's students.
_SENT: dict[tuple[int, bool], deque[float]] = {}


async def reply(user: SimUser, expected: str) -> ChatMessage:
    """The next bot message (or edit) whose HTML contains ``expected``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_TIMEOUT
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise WaitTimeoutError(f"no reply containing {expected!r} for user {user.id}")
        message = await user.wait_for_message(timeout=remaining)
        if expected in message.html:
            return message


async def paced(user: SimUser, tap: bool) -> None:
    """Wait, when need be, until one more message (or button press, ``tap``) of ``user``
    stays within the production flood guard's limit in any of its windows: a student who
    waits for each reply is never warned or refused, however quickly they type, as long as
    they keep under the guard (12 messages and 30 presses in 10 s). No timed pause
    otherwise: a test's dozen actions need none."""
    limit = GUARD.tap_limit if tap else GUARD.limit
    sent = _SENT.setdefault((id(user), tap), deque())
    loop = asyncio.get_running_loop()
    while len(sent) >= limit:
        wait = sent[0] + GUARD.window + MARGIN - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        else:
            sent.popleft()
    sent.append(loop.time())


async def say(user: SimUser, text: str, expected: str) -> ChatMessage:
    """Type ``text`` (within the flood guard: :func:`paced`), and wait for the reply
    showing ``expected``."""
    await paced(user, tap=False)
    user.send(text)
    return await reply(user, expected)


async def tap(user: SimUser, label: str, expected: str) -> ChatMessage:
    """Press the button ``label`` (within the flood guard: :func:`paced`), and wait for the
    reply showing ``expected``."""
    await paced(user, tap=True)
    user.press(label)
    return await reply(user, expected)


def category_screen(texts: Texts, category: str, lang: str) -> str:
    """The heading of a category's area buttons."""
    return texts.get("signup_interests_category", lang, category=html.escape(category))


def summary_heading(texts: Texts, lang: str) -> str:
    """The first line of the summary shown before Confirm."""
    return texts.get("signup_summary", lang, details="").split("\n")[0]


def chosen(assistant: Assistant, item: str, lang: str) -> str:
    """How a chosen area is listed above the area buttons."""
    return f"• {html.escape(assistant.kb.items[item].label(lang))}"
