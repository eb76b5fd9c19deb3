"""Where the tests find the repository's content and their own fixture files."""

from __future__ import annotations

from pathlib import Path

from bot.settings import REPOSITORY

KNOWLEDGE = REPOSITORY / "knowledge"
CONVERSATIONS = REPOSITORY / "conversations"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
