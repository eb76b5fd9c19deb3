"""The state of the fake Telegram: chats, their messages, files, callback queries, requests."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from telegram_emulator.errors import APIError
from telegram_emulator.formatting import Entity, render_html
from telegram_emulator.markup import inline_buttons


class Signal:
    """Wakes every coroutine waiting on it; usable from any event loop, one at a time."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        """Wakes the current waiters."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float | None) -> bool:
        """Waits for the next :meth:`fire`; ``False`` if ``timeout`` seconds passed first."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return False
        finally:
            self._waiters.discard(waiter)
        return True


@dataclass(eq=False)
class StoredFile:
    """A file the bot uploaded; ``data`` holds its bytes. A photo has its dimensions."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        """The size in bytes."""
        return len(self.data)

    def text(self, encoding: str = "utf-8") -> str:
        """The content decoded as text."""
        return self.data.decode(encoding)

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Document`` object."""
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def photo_sizes(self) -> list[dict[str, Any]]:
        """The Bot API ``PhotoSize`` list of a photo (one size: the one uploaded)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width or 0,
                "height": self.height or 0,
                "file_size": self.size,
            }
        ]


@dataclass(eq=False)
class Chat:
    """A chat of the bot: a private chat with one user (the chat id is the user id), or a
    group (``telegram_emulator.groups``)."""

    id: int
    info: dict[str, Any]
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    events: list[tuple[str, ChatMessage]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    last_message_id: int = 0
    started: bool = True
    blocked: bool = False

    def add(self, message: ChatMessage) -> None:
        """Stores a new message; a bot message is also an event for the waiting helpers."""
        self.messages[message.message_id] = message
        if message.from_bot:
            self.events.append(("new", message))

    def next_message_id(self) -> int:
        """Message ids of a private chat are shared by both sides and never reused."""
        self.last_message_id += 1
        return self.last_message_id

    def bot_messages(self) -> list[ChatMessage]:
        """The bot's messages that were not deleted, oldest first."""
        return [m for m in self.messages.values() if m.from_bot and not m.deleted]


@dataclass(eq=False)
class ChatMessage:
    """A message in its current state: edits change it in place.

    ``text`` is the plain text the user sees (the caption of a document), ``entities`` its
    formatting, ``source`` the text as the bot sent it and ``previous_texts`` the texts before
    each edit.
    """

    message_id: int
    chat: Chat
    sender: dict[str, Any]
    date: int
    text: str = ""
    entities: list[Entity] = field(default_factory=list)
    source: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to: ChatMessage | None = None
    via_bot: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False
    previous_texts: list[str] = field(default_factory=list)

    @property
    def from_bot(self) -> bool:
        """Whether the bot sent it."""
        return bool(self.sender.get("is_bot"))

    @property
    def edited(self) -> bool:
        """Whether it was edited since it was sent."""
        return self.edit_date is not None

    @property
    def html(self) -> str:
        """The text as HTML: the source the bot sent in HTML mode, else rendered from entities."""
        if self.source is not None and (self.parse_mode or "").lower() == "html":
            return self.source
        return render_html(self.text, self.entities)

    @property
    def caption(self) -> str | None:
        """The caption of a document or photo (``None`` for a text message)."""
        return self.text if self.document is not None or self.photo is not None else None

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Rows of inline buttons as ``(label, callback_data or url or other value)``."""
        return [
            [(button["text"], _button_value(button)) for button in row]
            for row in inline_buttons(self.reply_markup)
        ]

    @property
    def button_labels(self) -> list[str]:
        """The labels of the inline buttons, row after row."""
        return [label for row in self.buttons for label, _ in row]

    def find_button(self, label_or_data: str) -> dict[str, Any] | None:
        """The inline button with this label or this callback data, if any."""
        for row in inline_buttons(self.reply_markup):
            for button in row:
                if label_or_data in (button.get("text"), button.get("callback_data")):
                    return button
        return None

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        """The Bot API ``Message`` object."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat.info,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.via_bot is not None:
            message["via_bot"] = self.via_bot
        if self.reply_to is not None and with_reply:
            message["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        text_key, entities_key = ("text", "entities")
        if self.document is not None:
            message["document"] = self.document.to_api()
            text_key, entities_key = ("caption", "caption_entities")
        if self.photo is not None:
            message["photo"] = self.photo.photo_sizes()
            text_key, entities_key = ("caption", "caption_entities")
        if self.text or (self.document is None and self.photo is None):
            message[text_key] = self.text
        if self.entities:
            message[entities_key] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return copy.deepcopy(message)

    def __repr__(self) -> str:
        return f"<ChatMessage {self.chat.id}/{self.message_id} {self.text[:60]!r}>"


def _button_value(button: dict[str, Any]) -> str:
    for name in ("callback_data", "url"):
        if button.get(name):
            return str(button[name])
    for name, value in button.items():
        if name != "text" and value:
            return value if isinstance(value, str) else name
    return ""


@dataclass(eq=False)
class CallbackQuery:
    """A button press and the bot's answer to it, once answered."""

    id: str
    user_id: int
    message: ChatMessage
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass(eq=False)
class RecordedRequest:
    """One Bot API call of the bot: its parameters and how it ended."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error: APIError | None = None
    injected: bool = False

    def __repr__(self) -> str:
        outcome = "ok" if self.ok else f"error {self.error}"
        return f"<{self.method} {outcome}>"
