"""Fixtures: a fresh emulator per test and a PTB Bot wired to it in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from telegram import Bot

from telegram_emulator import BotAPIEmulator, emulator_bot


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    """An emulator with no users yet."""
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    """An initialized PTB Bot talking to ``emu`` in process."""
    async with emulator_bot(emu) as ptb_bot:
        yield ptb_bot
