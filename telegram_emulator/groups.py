"""Group chats with several simulated members and the bot.

Members' messages carry the entities Telegram adds (``bot_command``, ``mention``). With group
privacy on (the default, @BotFather's ``/setprivacy``), the bot receives only what Telegram
gives a privacy-mode bot: commands, messages mentioning it by username, replies to its
messages and messages sent via it; with privacy off (or as an admin) it receives everything.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from telegram_emulator.errors import EmulatorError, WaitTimeoutError
from telegram_emulator.formatting import Entity, entity_text, utf16_len
from telegram_emulator.state import CallbackQuery, Chat, ChatMessage

if TYPE_CHECKING:
    from telegram_emulator.core import BotAPIEmulator
    from telegram_emulator.users import SimUser

_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")


def message_entities(text: str) -> list[Entity]:
    """The ``bot_command`` and ``mention`` entities Telegram finds in a typed text (offsets
    and lengths in UTF-16 code units)."""
    found = [("bot_command", m) for m in _COMMAND.finditer(text)]
    found += [("mention", m) for m in _MENTION.finditer(text)]
    entities = [
        {
            "type": kind,
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for kind, m in found
    ]
    return sorted(entities, key=lambda e: e["offset"])


class SimGroup:
    """A group (or supergroup) with the bot and some simulated users."""

    def __init__(self, emulator: BotAPIEmulator, chat: Chat, members: list[SimUser]) -> None:
        self.emulator = emulator
        self.chat = chat
        self.members = list(members)
        self._cursor = 0

    def __repr__(self) -> str:
        return f"<SimGroup {self.chat.id} {self.chat.info.get('title')!r}>"

    @property
    def id(self) -> int:
        """The chat id (negative, as for every group)."""
        return self.chat.id

    # Acting.

    def reaches_bot(self, message: ChatMessage) -> bool:
        """Whether Telegram delivers this member's message to the bot."""
        emu = self.emulator
        if not emu.group_privacy:
            return True
        if message.via_bot is not None and message.via_bot.get("id") == emu.bot_id:
            return True
        replied = message.reply_to
        if replied is not None and replied.from_bot and replied.sender.get("id") == emu.bot_id:
            return True
        if message.text.startswith("/"):
            return True
        username = str(emu.bot_user.get("username", "")).casefold()
        return any(
            e["type"] == "mention" and entity_text(message.text, e)[1:].casefold() == username
            for e in message.entities
        )

    def make_message(
        self, user: SimUser, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any] | None:
        """``user`` writes ``text`` in the group (stored); the update the bot gets, or None when
        privacy mode keeps the message from it."""
        if user not in self.members:
            raise EmulatorError(f"user {user.id} is not a member of group {self.id}")
        message = ChatMessage(
            message_id=self.chat.next_message_id(),
            chat=self.chat,
            sender=user.to_api(),
            date=self.emulator.now(),
            text=text,
            entities=message_entities(text),
            reply_to=self.chat.messages.get(reply_to) if reply_to is not None else None,
        )
        self.chat.add(message)
        if not self.reaches_bot(message):
            return None
        return self.emulator.updates.new_update("message", message.to_api())

    def send(
        self, user: SimUser, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any] | None:
        """``user`` writes in the group; the update is queued if it reaches the bot."""
        self.mark()
        update = self.make_message(user, text, reply_to=reply_to)
        if update is not None:
            self.emulator.enqueue(update)
        return update

    def make_press(self, user: SimUser, label_or_data: str) -> dict[str, Any]:
        """``user`` presses a callback button of the latest bot message in the group that has
        it (not queued)."""
        for message in reversed(self.messages):
            button = message.find_button(label_or_data)
            if button is not None and button.get("callback_data"):
                query = CallbackQuery(
                    self.emulator.new_query_id(), user.id, message, button["callback_data"]
                )
                self.emulator.callback_queries[query.id] = query
                payload = {
                    "id": query.id,
                    "from": user.to_api(),
                    "message": message.to_api(),
                    "chat_instance": str(abs(self.id * 1_000_003 + self.emulator.bot_id)),
                    "data": query.data,
                }
                return self.emulator.updates.new_update("callback_query", payload)
        raise EmulatorError(f"no callback button {label_or_data!r} in group {self.id}")

    # Views.

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in the group, oldest first."""
        return self.chat.bot_messages()

    @property
    def history(self) -> list[ChatMessage]:
        """Every message of the group, members' and the bot's."""
        return [m for m in self.chat.messages.values() if not m.deleted]

    @property
    def last(self) -> ChatMessage:
        """The bot's latest message in the group."""
        if not self.messages:
            raise EmulatorError(f"the bot has sent no message to group {self.id}")
        return self.messages[-1]

    # Waiting.

    def mark(self) -> None:
        """From now on, :meth:`wait_for_message` reports only newer bot messages."""
        self._cursor = len(self.chat.events)

    async def wait_for_message(self, timeout: float = 5.0) -> ChatMessage:
        """The next bot message or edit in the group after the mark."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._cursor >= len(self.chat.events):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeoutError(f"no new bot message in group {self.id} within {timeout} s")
            await self.emulator.activity.wait(remaining)
        _, message = self.chat.events[self._cursor]
        self._cursor += 1
        return message
