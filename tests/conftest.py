"""Shared fixtures: the real knowledge base and assistant, loaded once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from telegram_emulator import BotAPIEmulator, EmulatorServer
from tests.harness import TRANSPORTS, LocalBot, start

KNOWLEDGE = REPOSITORY / "knowledge"
CONVERSATIONS = REPOSITORY / "conversations"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def assistant() -> Assistant:
    """The assistant over the real knowledge base."""
    return Assistant.load(KNOWLEDGE, CONVERSATIONS)


@pytest_asyncio.fixture(params=sorted(TRANSPORTS))
async def bot(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[LocalBot]:
    """The real bot, in process and polling the emulator over HTTP as in production, with a
    relaxed flood guard (test students type fast). Modules may define their own ``bot``."""
    running = await start(TRANSPORTS[request.param](tmp_path))
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    """The emulator served over HTTP on loopback, for tests of ``python -m bot`` processes."""
    emulator = BotAPIEmulator()
    async with EmulatorServer(emulator) as running:
        yield running
    await emulator.aclose()
