"""The sign-up form (issue 4)."""

from __future__ import annotations

from bot.application import App


def register(app: App) -> None:
    """Not yet built."""
