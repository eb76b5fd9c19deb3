"""Shared fixtures: the real knowledge base and assistant, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers import Assistant
from bot.settings import REPOSITORY

KNOWLEDGE = REPOSITORY / "knowledge"
CONVERSATIONS = REPOSITORY / "conversations"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def assistant() -> Assistant:
    """The assistant over the real knowledge base."""
    return Assistant.load(KNOWLEDGE, CONVERSATIONS)
