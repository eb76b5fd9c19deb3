"""Waiting for what a bot process or an HTTP bot does: ``until`` a condition holds, and a
``ChatHold`` that keeps the emulator from delivering into one chat meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram_emulator import BotAPIEmulator

Respond = Callable[[str, str, dict[str, Any]], Awaitable[tuple[int, dict[str, Any]]]]


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Check ``condition`` every 20 ms until it holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


class ChatHold:
    """Holds the emulator's answers to ``sendMessage`` into ``chat_id`` until released
    (nothing is delivered meanwhile)."""

    def __init__(self, emulator: BotAPIEmulator, chat_id: int) -> None:
        self.released = asyncio.Event()
        self.waiting = 0
        original: Respond = emulator.respond

        async def respond(token: str, method: str, params: dict[str, Any]) -> Any:
            if method == "sendMessage" and str(params.get("chat_id")) == str(chat_id):
                self.waiting += 1
                try:
                    await self.released.wait()
                finally:
                    self.waiting -= 1
            return await original(token, method, params)

        emulator.respond = respond  # type: ignore[method-assign]
