"""``python -m bot kb check``: everything the bot will say is valid before it says it."""

from __future__ import annotations

from bot.settings import Settings
from bot.telegram.content import load_content
from bot.understanding.answers import Assistant


def check_all(settings: Settings) -> Assistant:
    """Load and check everything exactly as the bot does at start and on ``/reload``
    (:func:`bot.telegram.content.load_content`); raise KnowledgeError listing every problem."""
    # Meaning is not needed to check the files (matching.yaml is still read and checked).
    return load_content(settings, semantic=False).assistant  # with the learned examples
