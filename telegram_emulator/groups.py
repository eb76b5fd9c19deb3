"""Group chats with several simulated members and the bot.

Members' messages carry the entities Telegram adds (``bot_command``, ``mention``). With group
privacy on (the default, @BotFather's ``/setprivacy``), the bot receives only what Telegram
gives a privacy-mode bot: commands, messages mentioning it by username, replies to its
messages and messages sent via it; with privacy off (or as an admin) it receives everything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from telegram_emulator.errors import EmulatorError
from telegram_emulator.formatting import Entity, entity_text, utf16_len
from telegram_emulator.state import Chat, ChatMessage
from telegram_emulator.users import ChatSide, button_press, typed_message

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


class SimGroup(ChatSide):
    """A group (or supergroup) with the bot and some simulated users: its members write in it
    and press the bot's buttons there; ``messages``/``last`` are what the bot sent to it.

    ``make_message``/``make_press`` build an update without queuing it (to feed
    ``Application.process_update``); ``send``/``press`` queue it for a polling or webhook bot.
    """

    _WHO = "group"

    def __init__(self, emulator: BotAPIEmulator, chat: Chat, members: list[SimUser]) -> None:
        self.emulator = emulator
        self._chat = chat
        self.members: dict[int, SimUser] = {}
        for user in members:
            self.add_member(user)
        self._cursor = 0

    def __repr__(self) -> str:
        return f"<SimGroup {self.chat.id} {self.chat.info.get('title')!r}>"

    @property
    def chat(self) -> Chat:
        """The group chat."""
        return self._chat

    @property
    def id(self) -> int:  # type: ignore[override]  # the chat's, read-only
        """The chat id (negative, as for every group)."""
        return self.chat.id

    def add_member(self, user: SimUser) -> SimUser:
        """``user`` joins the group (no service message is simulated); returns the user."""
        self.members[user.id] = user
        return user

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
        """``user`` writes ``text`` in the group, as a reply to message ``reply_to`` (stored);
        the update the bot gets, or None when privacy mode keeps the message from it."""
        self._check_member(user)
        message = typed_message(user, self.chat, text, message_entities(text), reply_to)
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

    def make_press(
        self, user: SimUser, label_or_data: str, message_id: int | None = None
    ) -> dict[str, Any]:
        """``user`` presses a callback button (by label or data) of the bot's message
        ``message_id`` in the group, or else of its latest message that has it; the update,
        registered but not queued."""
        self._check_member(user)
        return button_press(user, self.chat, label_or_data, message_id)

    def press(
        self, user: SimUser, label_or_data: str, message_id: int | None = None
    ) -> dict[str, Any]:
        """``user`` presses a button in the group (queued for the bot)."""
        self.mark()
        update = self.make_press(user, label_or_data, message_id)
        self.emulator.enqueue(update)
        return update

    def _check_member(self, user: SimUser) -> None:
        if user.id not in self.members:
            raise EmulatorError(f"user {user.id} is not a member of group {self.id}")
