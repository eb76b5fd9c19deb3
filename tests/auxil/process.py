"""A student talking to ``python -m bot run`` (:class:`tests.auxil.harness.BotProcess`) over the
emulator's HTTP server: type or tap, then wait for the reply that shows ``expected``."""

from __future__ import annotations

import asyncio
import html

from bot.content.texts import Texts
from bot.understanding.answers import Assistant
from telegram_emulator import ChatMessage, SimUser
from telegram_emulator.errors import WaitTimeoutError

THINK = 0.9  # seconds between a student's actions: the flood guard allows 12 updates in 10 s
REPLY_TIMEOUT = 20.0  # the first reply also waits for the bot process to start


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


async def say(user: SimUser, text: str, expected: str) -> ChatMessage:
    """Think, type ``text``, and wait for the reply showing ``expected``."""
    await asyncio.sleep(THINK)
    user.send(text)
    return await reply(user, expected)


async def tap(user: SimUser, label: str, expected: str) -> ChatMessage:
    """Think, press the button ``label``, and wait for the reply showing ``expected``."""
    await asyncio.sleep(THINK)
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
