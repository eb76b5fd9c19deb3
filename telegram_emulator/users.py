"""Simulated Telegram users: they write to the bot, press its buttons, and see its replies."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from telegram_emulator import inline
from telegram_emulator.errors import EmulatorError, WaitTimeoutError
from telegram_emulator.formatting import Entity
from telegram_emulator.state import CallbackQuery, Chat, ChatMessage

if TYPE_CHECKING:
    from telegram_emulator.core import BotAPIEmulator

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")


class ChatSide:
    """What a simulated user or group sees of its chat with the bot: the bot's messages and
    waiting for the next one. Subclasses give ``emulator``, ``chat``, ``id`` and ``_cursor``,
    and ``_WHO`` ("user", "group") for error messages."""

    emulator: BotAPIEmulator
    id: int
    _cursor: int
    _WHO = "chat"

    @property
    def chat(self) -> Chat:
        """The chat with the bot."""
        raise NotImplementedError

    # Views.

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat, current state, oldest first (deleted ones left out)."""
        return self.chat.bot_messages()

    @property
    def history(self) -> list[ChatMessage]:
        """Every message of the chat, both sides (deleted ones left out)."""
        return [m for m in self.chat.messages.values() if not m.deleted]

    @property
    def last(self) -> ChatMessage:
        """The latest bot message."""
        messages = self.messages
        if not messages:
            raise EmulatorError(f"the bot has sent no message to {self._WHO} {self.id}")
        return messages[-1]

    # Waiting.

    def mark(self) -> None:
        """From now on, :meth:`wait_for_message` reports only newer messages and edits."""
        self._cursor = len(self.chat.events)

    async def wait_for_message(self, timeout: float = 5.0) -> ChatMessage:
        """The next bot message or edit in this chat after the mark (each is reported once)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._cursor >= len(self.chat.events):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeoutError(
                    f"no new bot message or edit for {self._WHO} {self.id} within {timeout} s; "
                    f"rejected calls: {self.emulator.errors[-5:]}"
                )
            await self.emulator.activity.wait(remaining)
        _, message = self.chat.events[self._cursor]
        self._cursor += 1
        return message


class SimUser(ChatSide):
    """A user in a private chat with the bot (the chat id is the user id).

    ``send``/``press`` queue an update for a polling (or webhook) bot; ``make_message`` and
    ``make_press`` build the same update without queuing it, to feed ``Application.process_update``.
    """

    _WHO = "user"

    def __init__(
        self,
        emulator: BotAPIEmulator,
        user_id: int,
        *,
        first_name: str,
        language_code: str | None,
        username: str | None,
        last_name: str | None = None,
    ) -> None:
        self.emulator = emulator
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self._cursor = 0

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.first_name!r} {self.language_code}>"

    @property
    def chat(self) -> Chat:
        """The private chat with the bot."""
        return self.emulator.chats[self.id]

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value})
        return user

    # Acting.

    def make_message(self, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """The update of a message from this user, stored in the chat but not queued."""
        chat = self.chat
        chat.started, chat.blocked = True, False
        message = typed_message(self, chat, text, _command_entities(text), reply_to)
        return self.emulator.updates.new_update("message", message.to_api())

    def send(self, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """Sends a message to the bot (queued for it) and marks the chat for waiting."""
        self.mark()
        update = self.make_message(text, reply_to=reply_to)
        self.emulator.enqueue(update)
        return update

    def make_press(self, label_or_data: str, message_id: int | None = None) -> dict[str, Any]:
        """The callback_query update of pressing a button, registered but not queued.

        The button is looked up by label or callback data in message ``message_id``, or else in
        the latest bot message that has it."""
        update = button_press(self, self.chat, label_or_data, message_id)
        self.chat.started = True
        return update

    def press(self, label_or_data: str, message_id: int | None = None) -> dict[str, Any]:
        """Presses an inline button (queued for the bot) and marks the chat for waiting."""
        self.mark()
        update = self.make_press(label_or_data, message_id)
        self.emulator.enqueue(update)
        return update

    def make_inline_query(self, text: str, chat_type: str = "sender") -> dict[str, Any]:
        """The update of typing ``@<bot> text`` in a chat of ``chat_type`` (not queued)."""
        return inline.make_inline_query(self, text, chat_type)

    def inline_query(self, text: str, chat_type: str = "sender") -> dict[str, Any]:
        """Types ``@<bot> text`` (queued for the bot)."""
        update = self.make_inline_query(text, chat_type)
        self.emulator.enqueue(update)
        return update

    @property
    def inline_results(self) -> inline.InlineQuery:
        """The latest inline query of this user the bot answered (results, button...)."""
        return inline.latest_query(self)

    def choose(self, id_or_title: str, chat: Chat | None = None) -> list[dict[str, Any]]:
        """Picks a result of the latest answered inline query: it is sent into ``chat``
        (default: the private chat with the bot) via the bot. Returns the updates the bot gets
        (not queued): the message, and ``chosen_inline_result`` with inline feedback on."""
        _, updates = inline.choose(self, id_or_title, chat)
        return updates

    def block(self) -> None:
        """Blocks the bot: its sends fail with 403 until the user writes again."""
        self.chat.blocked = True

    # Views.

    @property
    def answers(self) -> list[CallbackQuery]:
        """This user's button presses that the bot answered, oldest first."""
        return [
            query
            for query in self.emulator.callback_queries.values()
            if query.user_id == self.id and query.answered
        ]

    @property
    def actions(self) -> list[str]:
        """The chat actions ("typing"...) the bot sent here."""
        return self.chat.actions

    @property
    def commands(self) -> list[tuple[str, str]]:
        """The command menu this user sees, resolved through scopes and languages as Telegram
        does."""
        language = (self.language_code or "").split("-")[0].lower()
        for scope in (f"chat:{self.id}", "all_private_chats", "default"):
            for lang in dict.fromkeys((language, "")):
                commands = self.emulator.bot_commands.get((scope, lang))
                if commands:
                    return [(c["command"], c["description"]) for c in commands]
        return []


def _command_entities(text: str) -> list[dict[str, Any]]:
    match = _COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": match.end()}] if match else []


def typed_message(
    user: SimUser, chat: Chat, text: str, entities: list[Entity], reply_to: int | None
) -> ChatMessage:
    """Stores the message ``user`` writes in ``chat``, as a reply to message ``reply_to`` (which
    must be there: a client replies only to a message it shows)."""
    replied = None
    if reply_to is not None:
        replied = chat.messages.get(reply_to)
        if replied is None or replied.deleted:
            raise EmulatorError(f"no message {reply_to} to reply to in chat {chat.id}")
    message = ChatMessage(
        message_id=chat.next_message_id(),
        chat=chat,
        sender=user.to_api(),
        date=user.emulator.now(),
        text=text,
        entities=entities,
        reply_to=replied,
    )
    chat.add(message)
    return message


def button_press(
    user: SimUser, chat: Chat, label_or_data: str, message_id: int | None
) -> dict[str, Any]:
    """The callback_query update of ``user`` pressing a callback button (by label or data) of
    the bot's message ``message_id`` in ``chat``, or else of its latest message that has it;
    registered, not queued."""
    message, button = _find_button(chat, label_or_data, message_id)
    data = button.get("callback_data")
    if not data:
        kind = next((k for k in button if k != "text"), "text")
        raise EmulatorError(
            f"button {button['text']!r} of message {message.message_id} is a {kind} button: "
            "pressing it sends no callback query"
        )
    emulator = user.emulator
    query = CallbackQuery(emulator.new_query_id(), user.id, message, data)
    emulator.callback_queries[query.id] = query
    payload = {
        "id": query.id,
        "from": user.to_api(),
        "message": message.to_api(),
        "chat_instance": str(abs(chat.id * 1_000_003 + emulator.bot_id)),
        "data": data,
    }
    return emulator.updates.new_update("callback_query", payload)


def _find_button(
    chat: Chat, label_or_data: str, message_id: int | None
) -> tuple[ChatMessage, dict[str, Any]]:
    messages = chat.bot_messages()
    if message_id is not None:
        messages = [m for m in messages if m.message_id == message_id]
        if not messages:
            raise EmulatorError(f"no bot message {message_id} in chat {chat.id}")
    for message in reversed(messages):
        button = message.find_button(label_or_data)
        if button is not None:
            return message, button
    seen = "; ".join(f"{m.message_id}: {m.button_labels}" for m in messages[-3:] if m.buttons)
    raise EmulatorError(
        f"no button {label_or_data!r} in the bot's messages in chat {chat.id} "
        f"(latest buttons: {seen or 'none'})"
    )
