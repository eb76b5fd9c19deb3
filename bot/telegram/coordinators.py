"""Who the coordinators are, where their notices go, and the filter that guards their features.

Coordinators are the users in ``BOT_COORDINATOR_IDS``. Their commands and buttons are
registered behind :func:`only_coordinators`, so for anyone else they do not exist: a command
falls through to the unknown-command reply and a button to the stale-button answer, exactly as
if the bot had no such feature.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, filters
from telegram.ext._utils.types import HandlerCallback  # the type CallbackQueryHandler uses

from bot.settings import Settings


def only_coordinators(settings: Settings) -> filters.BaseFilter:
    """Updates sent by a coordinator (in any chat)."""
    return filters.User(user_id=settings.coordinator_ids, allow_empty=False)


def coordinator_chats(settings: Settings) -> list[int]:
    """Where notices, hand-offs and reports go: the coordinators' chat if set, else each
    coordinator's private chat. Empty when no coordinator is configured."""
    if settings.coordinator_chat_id is not None:
        return [settings.coordinator_chat_id]
    return sorted(settings.coordinator_ids)


def is_coordinator(settings: Settings, user_id: int | None) -> bool:
    """Whether ``user_id`` is on the coordinator list."""
    return user_id is not None and user_id in settings.coordinator_ids


class CoordinatorButtons(CallbackQueryHandler[Any, Any]):
    """A ``CallbackQueryHandler`` for coordinators' buttons: a press by anyone else (a forged
    or forwarded button) is not taken and falls through to the stale-button answer, as if the
    bot had no such button. ``CallbackQueryHandler`` takes no message filter, hence this."""

    def __init__(
        self, settings: Settings, callback: HandlerCallback[Update, Any, Any], pattern: str
    ) -> None:
        super().__init__(callback, pattern=pattern)
        self.settings = settings

    def check_update(self, update: object) -> bool | object | None:
        """Only coordinators' presses that match the pattern."""
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        if not is_coordinator(self.settings, update.effective_user.id):
            return None
        return super().check_update(update)
