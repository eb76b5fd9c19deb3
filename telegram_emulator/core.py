"""The fake Telegram: state, the method table and the call entry point shared by transports."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any

from telegram_emulator import botconfig, inline, messaging
from telegram_emulator.errors import APIError, WaitTimeoutError
from telegram_emulator.formatting import Entity
from telegram_emulator.groups import SimGroup
from telegram_emulator.params import normalize
from telegram_emulator.state import (
    CallbackQuery,
    Chat,
    ChatMessage,
    RecordedRequest,
    Signal,
    StoredFile,
)
from telegram_emulator.updates import UpdateQueue
from telegram_emulator.users import SimUser
from telegram_emulator.webhook import WebhookDelivery, WebhookSender, post_with_httpx

Handler = Callable[["BotAPIEmulator", dict[str, Any]], Awaitable[Any]]

METHODS: dict[str, Handler] = {
    "getMe": botconfig.get_me,
    "logOut": botconfig.log_out,
    "close": botconfig.log_out,
    "getUpdates": botconfig.get_updates,
    "setWebhook": botconfig.set_webhook,
    "deleteWebhook": botconfig.delete_webhook,
    "getWebhookInfo": botconfig.get_webhook_info,
    "setMyCommands": botconfig.set_my_commands,
    "getMyCommands": botconfig.get_my_commands,
    "deleteMyCommands": botconfig.delete_my_commands,
    "setChatMenuButton": botconfig.set_chat_menu_button,
    "sendMessage": messaging.send_message,
    "editMessageText": messaging.edit_message_text,
    "editMessageReplyMarkup": messaging.edit_message_reply_markup,
    "deleteMessage": messaging.delete_message,
    "sendDocument": messaging.send_document,
    "sendPhoto": messaging.send_photo,
    "sendChatAction": messaging.send_chat_action,
    "answerCallbackQuery": messaging.answer_callback_query,
    "answerInlineQuery": inline.answer_inline_query,
}
_CANONICAL = {name.lower(): name for name in METHODS}


class BotAPIEmulator:
    """A local Telegram Bot API: strict where Telegram is strict, recording every call.

    ``pedantic`` (default) is stricter than Telegram on two points the Bot API documentation
    states but the server tolerates: a bare ``&`` in HTML is refused, and lengths are counted in
    UTF-16 code units (Telegram counts code points).

    The @BotFather settings: ``inline_mode`` (``/setinline``), ``inline_feedback``
    (``/setinlinefeedback``: chosen results are reported) and ``group_privacy``
    (``/setprivacy``, on by default: in groups the bot gets only what is meant for it).
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_id: int | None = None,
        bot_username: str = "cqmu_test_bot",
        *,
        first_name: str = "CQMU Exchange Assistant",
        pedantic: bool = True,
        webhook_sender: WebhookSender | None = None,
        webhook_retry_delay: float = 0.2,
        inline_mode: bool = False,
        inline_feedback: bool = False,
        group_privacy: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(token.split(":", maxsplit=1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": bot_username,
        }
        self.pedantic = pedantic
        self.inline_mode, self.inline_feedback = inline_mode, inline_feedback
        self.group_privacy = group_privacy
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, SimUser] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.inline_queries: dict[str, inline.InlineQuery] = {}
        self.groups: dict[int, SimGroup] = {}
        self.bot_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}  # chat id (None: default)
        self.requests: list[RecordedRequest] = []
        self.updates = UpdateQueue()
        self.webhook = WebhookDelivery(
            self.updates, webhook_sender or post_with_httpx, webhook_retry_delay
        )
        self.activity = Signal()
        self.clock: Callable[[], float] = time.time
        self._failures: dict[str, list[APIError]] = {}
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._last_query_id = 0

    async def __aenter__(self) -> BotAPIEmulator:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stops background work (webhook delivery)."""
        await self.webhook.stop()

    # Calls.

    async def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, token: str | None = None
    ) -> Any:
        """Runs a Bot API method and returns its result, or raises :class:`APIError`.

        ``token``, when given, is checked first (401 ``Unauthorized`` if wrong). Method names
        are case-insensitive; parameters may be form strings (JSON fields are decoded)."""
        name = _CANONICAL.get(method.lower(), method)
        raw = dict(params or {})
        polling = name == "getUpdates"  # a long poll is waiting, not working
        if not polling:
            self._in_flight += 1
            self._touch()
        injected = False
        try:
            if token is not None and token != self.token:
                raise APIError(401, "Unauthorized")
            handler = METHODS.get(name)
            if handler is None:
                raise APIError(404, "Not Found: method not found")
            failures = self._failures.get(name.lower())
            if failures:
                injected = True
                raise failures.pop(0)
            decoded = normalize(raw)
            result = await handler(self, decoded)
        except APIError as error:
            self.requests.append(RecordedRequest(name, raw, False, error=error, injected=injected))
            raise
        finally:
            if not polling:
                self._in_flight -= 1
                self._touch()
        if polling and result:
            self._touch()
        self.requests.append(RecordedRequest(name, decoded, True, result=result))
        return result

    async def respond(
        self, token: str, method: str, params: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body Telegram would answer a request with."""
        try:
            result = await self.call(method, params, token=token)
        except APIError as error:
            return error.error_code, error.to_response()
        return 200, {"ok": True, "result": result}

    @staticmethod
    def encode(body: dict[str, Any]) -> bytes:
        """A response body as Telegram's UTF-8 JSON."""
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Makes the next ``times`` calls of ``method`` fail with this error, unperformed."""
        name = _CANONICAL.get(method.lower(), method).lower()
        errors = [APIError(error_code, description, retry_after) for _ in range(times)]
        self._failures.setdefault(name, []).extend(errors)

    @property
    def errors(self) -> list[RecordedRequest]:
        """The calls Telegram rejected (injected failures left out)."""
        return [r for r in self.requests if not r.ok and not r.injected]

    def calls(self, method: str) -> list[RecordedRequest]:
        """The recorded calls of one method (case-insensitive name)."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    # State used by the methods and the users.

    def add_user(
        self,
        user_id: int,
        first_name: str = "Ana",
        language_code: str | None = "fr",
        username: str | None = None,
        *,
        last_name: str | None = None,
        started: bool = True,
    ) -> SimUser:
        """A user with a private chat with the bot. ``started=False``: the user never opened
        the bot, so it cannot write first (403)."""
        user = SimUser(
            self,
            user_id,
            first_name=first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
        )
        info = {"id": user_id, "type": "private", "first_name": first_name}
        info.update({k: v for k, v in (("last_name", last_name), ("username", username)) if v})
        self.users[user_id] = user
        self.chats[user_id] = Chat(user_id, info, started=started)
        return user

    def add_group(
        self,
        chat_id: int,
        title: str = "Group",
        members: list[SimUser] | None = None,
        *,
        supergroup: bool = True,
    ) -> SimGroup:
        """A group (negative ``chat_id``) with the bot and ``members`` in it (more can join
        with ``SimGroup.add_member``)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        info = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        group = SimGroup(self, Chat(chat_id, info), members or [])
        self.chats[chat_id] = group.chat
        self.groups[chat_id] = group
        return group

    def enqueue(self, update: dict[str, Any]) -> None:
        """Queues an update for the bot (getUpdates or the webhook)."""
        self.updates.push(update)
        self.webhook.kick()

    def now(self) -> int:
        """The current date, in Unix seconds."""
        return int(self.clock())

    def new_query_id(self) -> str:
        """A fresh callback query id."""
        self._last_query_id += 1
        return str(4_000_000_000_000_000_000 + self._last_query_id)

    def add_bot_message(
        self,
        chat: Chat,
        *,
        text: str,
        entities: list[Entity],
        source: str | None = None,
        parse_mode: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to: ChatMessage | None = None,
        document: StoredFile | None = None,
        photo: StoredFile | None = None,
    ) -> ChatMessage:
        """Stores a message the bot sent."""
        message = ChatMessage(
            message_id=chat.next_message_id(),
            chat=chat,
            sender=dict(self.bot_user),
            date=self.now(),
            text=text,
            entities=entities,
            source=source,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            document=document,
            photo=photo,
            reply_to=reply_to,
        )
        chat.add(message)
        self.activity.fire()
        return message

    def record_edit(self, chat: Chat, message: ChatMessage) -> None:
        """Marks a message as edited now."""
        message.edit_date = self.now()
        chat.events.append(("edit", message))
        self.activity.fire()

    def store_file(
        self,
        file_name: str | None,
        mime_type: str | None,
        data: bytes,
        size: tuple[int, int] | None = None,
    ) -> StoredFile:
        """Keeps an uploaded file under a new file_id (a photo with its ``size``)."""
        number = len(self.files) + 1
        width, height = size if size is not None else (None, None)
        stored = StoredFile(
            f"BQACAgEmu{number:06d}",
            f"AgADEmu{number:06d}",
            file_name,
            mime_type,
            data,
            width,
            height,
        )
        self.files[stored.file_id] = stored
        return stored

    # Waiting.

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    async def wait_idle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:
        """Waits until every queued update reached the bot and the bot made no call (nor had one
        running) for ``quiet`` seconds."""
        self.webhook.kick()
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            last = max(self._last_activity, self.webhook.last_done)
            busy = self.updates.undelivered or self._in_flight or self.webhook.busy
            if not busy and now - last >= quiet:
                return
            if now >= deadline:
                raise WaitTimeoutError(
                    f"bot not idle after {timeout} s: {self.updates.undelivered} update(s) not "
                    f"received, {self._in_flight} call(s) running; rejected calls: "
                    f"{self.errors[-5:]}"
                )
            await asyncio.sleep(min(0.005, quiet) if busy else quiet - (now - last))
