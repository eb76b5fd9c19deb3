"""Who the coordinators are, where their notices go, and the filter that guards their features.

Coordinators are the users in ``BOT_COORDINATOR_IDS``. Their commands and buttons are
registered behind :func:`only_coordinators`, so for anyone else they do not exist: a command
falls through to the unknown-command reply and a button to the stale-button answer, exactly as
if the bot had no such feature.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, filters

from bot.settings import Settings
from bot.telegram.callbacks import Pattern


def only_coordinators(settings: Settings) -> filters.BaseFilter:
    """New messages sent by a coordinator (in any chat). Never an edited message: editing an
    old ``/digest`` or ``/leads`` runs nothing, as for students."""
    return (
        filters.User(user_id=settings.coordinator_ids, allow_empty=False)
        & filters.UpdateType.MESSAGE
    )


def coordinator_chats(settings: Settings) -> list[int]:
    """Where notices, hand-offs and reports go: the coordinators' chat if set, else each
    coordinator's private chat. Empty when no coordinator is configured."""
    if settings.coordinator_chat_id is not None:
        return [settings.coordinator_chat_id]
    return sorted(settings.coordinator_ids)


def is_coordinator(settings: Settings, user_id: int | None) -> bool:
    """Whether ``user_id`` is on the coordinator list."""
    return user_id is not None and user_id in settings.coordinator_ids


def coordinator_places(settings: Settings) -> filters.BaseFilter:
    """Updates sent by a coordinator in a private chat or in the coordinators' chat: what
    coordinator features show (students' names, leads) never lands in another group."""
    places: filters.BaseFilter = filters.ChatType.PRIVATE
    if settings.coordinator_chat_id is not None:
        places = places | filters.Chat(chat_id=settings.coordinator_chat_id)
    return only_coordinators(settings) & places


class CoordinatorButtonHandler(CallbackQueryHandler[Any, Any]):
    """A ``CallbackQueryHandler`` for presses by listed coordinators only: for anyone else the
    button does not exist, so the press falls through to the stale-button answer. (Filters
    such as :func:`only_coordinators` look at a press's message, which the bot sent.)"""

    def __init__(
        self,
        settings: Settings,
        callback: Callable[[Update, Any], Coroutine[Any, Any, Any]],
        pattern: Pattern,
    ) -> None:
        super().__init__(callback, pattern=pattern)
        self.coordinator_ids = settings.coordinator_ids

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        if update.callback_query.from_user.id not in self.coordinator_ids:
            return None
        return super().check_update(update)
