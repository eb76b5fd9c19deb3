"""Updates the simulated users of the emulator do not make: messages in groups and channels,
edited messages, forged button presses. Shared by the robustness and fuzz tests."""

from __future__ import annotations

import copy
from typing import Any

from telegram_emulator import BotAPIEmulator, SimUser
from telegram_emulator.state import CallbackQuery, Chat, ChatMessage

GROUP = -100_500_001
CHANNEL = -100_500_002


def add_group(
    emulator: BotAPIEmulator, chat_id: int = GROUP, kind: str = "supergroup"
) -> dict[str, Any]:
    """A group (or channel) the bot is a member of, so that anything it sends there is
    recorded instead of refused; returns the Bot API ``Chat``."""
    info = {"id": chat_id, "type": kind, "title": "Exchange students 2027"}
    emulator.chats.setdefault(chat_id, Chat(chat_id, info))
    return info


def group_message(
    emulator: BotAPIEmulator, user: SimUser | None, text: str, chat_id: int = GROUP
) -> dict[str, Any]:
    """A message in a group (or, without ``user``, a channel post)."""
    chat = emulator.chats[chat_id]
    message: dict[str, Any] = {
        "message_id": chat.next_message_id(),
        "chat": chat.info,
        "date": emulator.now(),
        "text": text,
    }
    if user is not None:
        message["from"] = user.to_api()
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    kind = "message" if user is not None else "channel_post"
    return emulator.updates.new_update(kind, message)


def group_press(emulator: BotAPIEmulator, user: SimUser, data: str) -> dict[str, Any]:
    """A press of a button with callback data ``data`` under a message in the group."""
    chat = emulator.chats[GROUP]
    message = ChatMessage(
        chat.next_message_id(), chat, dict(emulator.bot_user), emulator.now(), text="…"
    )
    chat.add(message)
    query = CallbackQuery(emulator.new_query_id(), user.id, message, data)
    emulator.callback_queries[query.id] = query
    query_api = {
        "id": query.id,
        "from": user.to_api(),
        "message": message.to_api(),
        "chat_instance": "42",
        "data": data,
    }
    return emulator.updates.new_update("callback_query", query_api)


def edited(emulator: BotAPIEmulator, original: dict[str, Any], text: str) -> dict[str, Any]:
    """The ``edited_message`` update of a message of ``original`` (an update) changed to
    ``text``."""
    message = copy.deepcopy(original["message"])
    message.update(text=text, edit_date=emulator.now())
    message.pop("entities", None)
    return emulator.updates.new_update("edited_message", message)


def forged_press(user: SimUser, data: str) -> dict[str, Any]:
    """A press of the student's latest button, with its callback data replaced by ``data``
    (a modified client can send anything)."""
    buttons = [b for m in reversed(user.messages) for row in m.buttons for b in row]
    update = user.make_press(buttons[0][1])
    update["callback_query"]["data"] = data
    return update


def sent_to(emulator: BotAPIEmulator, chat_id: int) -> list[Any]:
    """Every Bot API call the bot made about ``chat_id``."""
    return [r for r in emulator.requests if r.params.get("chat_id") == chat_id]
