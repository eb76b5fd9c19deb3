"""Waiting for what a bot process or an HTTP bot does: ``until`` a condition holds, and a
``Hold`` that keeps the emulator from delivering meanwhile."""

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


class Hold:
    """Holds the emulator's answers to ``methods`` (into ``chat_id`` only, when given) until
    released: nothing is delivered meanwhile, and a call whose client went away (the bot was
    killed) is dropped."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        methods: frozenset[str] = frozenset({"sendMessage"}),
        chat_id: int | None = None,
    ) -> None:
        self.released = asyncio.Event()
        self.waiting = 0
        original: Respond = emulator.respond

        def held(method: str, params: dict[str, Any]) -> bool:
            to = params.get("chat_id")
            return method in methods and (chat_id is None or str(to) == str(chat_id))

        async def respond(token: str, method: str, params: dict[str, Any]) -> Any:
            if held(method, params) and not self.released.is_set():
                self.waiting += 1
                try:
                    await self.released.wait()
                finally:
                    self.waiting -= 1
            return await original(token, method, params)

        emulator.respond = respond  # type: ignore[method-assign]
