"""``python -m bot chat``: the real application, offline, in this terminal.

The same Application and handlers run against the in-process Bot API emulator: no token and
no network. Each bot message is numbered (``#3``) and keeps its buttons pressable: type ``3.1``
for the first button of message 3, or ``1`` for the first button of the latest message with
buttons. ``/reply 3 text`` answers message 3 as Telegram's *Reply* does. Files the bot sends
(exports, charts) are saved under ``BOT_DATA_DIR/chat-files`` and their paths printed.

Sessions share the database (``BOT_DATA_DIR``) like restarts of the real bot, so update and
message ids continue from the clock instead of restarting at 1 (a form in progress would take
new messages for repeats). ``--lang`` sets the pretend user's language for this session only
(as ``/language`` would, undone at the end); ``--coordinator`` makes the pretend user one of
the coordinators for this session.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from telegram import Update

from bot.content.languages import LANGUAGES
from bot.settings import Settings
from bot.telegram.application import build_application, post_init
from bot.telegram.context import BotContext, services_of
from telegram_emulator import BotAPIEmulator, EmulatorRequest
from telegram_emulator.state import ChatMessage
from telegram_emulator.users import SimUser

_TAG = re.compile(r"<[^>]+>")
_PRESS = re.compile(r"(?:(\d+)\.)?(\d+)")  # "3.1": message 3's first button; "1": the latest's
_REPLY = re.compile(r"/reply\s+#?(\d+)\s+(.+)", re.DOTALL)
STUDENT = 1  # the pretend user's Telegram id
FILES = "chat-files"  # under the data directory: what the bot sent as files


@dataclass
class _Screen:
    """What the terminal has shown: session numbers of the bot's messages and their state."""

    files: Path
    numbers: dict[int, int] = field(default_factory=dict)  # emulator message id -> number
    shown: dict[int, tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    buttons: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # number -> buttons
    latest: int | None = None  # number of the latest message with buttons

    def message_id(self, number: int) -> int | None:
        """The emulator's id of message ``number``."""
        return next((mid for mid, n in self.numbers.items() if n == number), None)

    def show(self, messages: list[ChatMessage]) -> None:
        """Print the messages that are new or changed since the last call."""
        for message in messages:
            buttons = [button for row in message.buttons for button in row]
            state = (message.text, tuple(buttons))
            if self.shown.get(message.message_id) == state:
                continue
            edited = message.message_id in self.numbers
            number = self.numbers.setdefault(message.message_id, len(self.numbers) + 1)
            self.shown[message.message_id] = state
            text = html.unescape(_TAG.sub("", message.text))
            saved = self._save(number, message)
            if saved is not None:  # a file (a caption, if any, first)
                text = f"{text}\n   📎 saved: {saved}" if text else f"📎 saved: {saved}"
            print(f"\n🤖 #{number}{' (edited)' if edited else ''} {text}".rstrip())
            self.buttons[number] = buttons
            if buttons:
                self.latest = number
                labels = (f"[{number}.{n}] {label}" for n, (label, _) in enumerate(buttons, 1))
                print("   " + "   ".join(labels))

    def _save(self, number: int, message: ChatMessage) -> Path | None:
        stored = message.document or message.photo
        if stored is None:
            return None
        name = stored.file_name or ("chart.png" if message.photo is not None else "file")
        path = self.files / f"{number}-{Path(name).name}"
        self.files.mkdir(parents=True, exist_ok=True)
        path.write_bytes(stored.data)
        return path

    def press(self, line: str) -> tuple[str, int] | str:
        """The button ``line`` names (callback data, message id), or why there is none."""
        match = _PRESS.fullmatch(line)
        assert match is not None
        number = int(match[1]) if match[1] else self.latest
        if number is None or not self.buttons.get(number):
            if match[1]:
                return f"Message #{number} has no buttons."
            return "No message has buttons to press."
        buttons = self.buttons[number]
        index = int(match[2])
        if not 1 <= index <= len(buttons):
            which = (
                f"one button, {number}.1"
                if len(buttons) == 1
                else f"buttons {number}.1 to {number}.{len(buttons)}"
            )
            return f"Message #{number} has {which}; {line} is not one of them (nothing was sent)."
        message_id = self.message_id(number)
        assert message_id is not None
        return buttons[index - 1][1], message_id


async def _chat(settings: Settings, language: str | None, coordinator: bool) -> None:
    emulator = BotAPIEmulator()
    # Offline there is no coordinators' group: what the bot sends coordinators goes to each
    # privately, here to this chat with --coordinator.
    settings = replace(settings, telegram_token=emulator.token, coordinator_chat_id=None)
    if coordinator:
        settings = replace(settings, coordinator_ids=settings.coordinator_ids | {STUDENT})
    application = build_application(settings, request=EmulatorRequest(emulator), rate_limit=False)
    user = emulator.add_user(STUDENT, first_name="Student", language_code=language or "en")
    first_id = int(time.time() * 1000)  # after every id an earlier session used
    emulator.updates.start_ids_after(first_id)
    user.chat.last_message_id = first_id
    screen = _Screen(settings.data_dir / FILES)
    print("Offline chat with the CQMU Exchange Assistant. Type a question, a /command, the")
    print("number of a button (3.1: message 3's first; 1: the latest message's first), or")
    print("/reply 3 text to answer message 3. Ctrl-D or /quit to leave.")
    async with application:
        await post_init(application)
        storage = services_of(application).storage
        before = await storage.get_language(STUDENT)
        if language is not None:
            await storage.set_language(STUDENT, language)
        in_use = await storage.get_language(STUDENT) or "en"
        print(
            f"Language: {in_use} ({', '.join(LANGUAGES)}); change it with /language, "
            "or start with --lang (this session only)"
        )
        if coordinator:
            print(f"You are a coordinator (id {STUDENT}) in this session: try /coordinator.")
        try:
            await _converse(application, user, screen)
        finally:
            if language is not None and await storage.get_language(STUDENT) == language:
                await storage.restore_language(STUDENT, before)
    print()


async def _converse(application: Any, user: SimUser, screen: _Screen) -> None:
    async def feed(update: dict[str, object]) -> None:
        await application.process_update(Update.de_json(update, application.bot))
        # What it queued for the coordinators goes to this emulator now (the job queue does
        # not run here), never to a later real run sharing the data dir.
        await services_of(application).relays.flush(BotContext(application))
        for _ in range(3):  # let sends the handlers left running (notices, relays) finish
            await asyncio.sleep(0.05)
        screen.show(user.messages)

    await feed(user.make_message("/start"))
    while True:
        try:
            line = (await asyncio.to_thread(input, "\n> ")).strip()
        except (EOFError, KeyboardInterrupt):
            break
        if line in {"/quit", "/exit"}:
            break
        if not line:
            continue
        if _PRESS.fullmatch(line):
            pressed = screen.press(line)
            if isinstance(pressed, str):
                print(pressed)
                continue
            await feed(user.make_press(*pressed))
            continue
        reply = _REPLY.fullmatch(line)
        if line.startswith("/reply") and reply is None:
            print("Usage: /reply N text — answer message #N (as Telegram's Reply).")
            continue
        if reply is not None:
            message_id = screen.message_id(int(reply[1]))
            if message_id is None:
                print(f"There is no message #{reply[1]}.")
                continue
            await feed(user.make_message(reply[2], reply_to=message_id))
            continue
        await feed(user.make_message(line))


def chat(settings: Settings, language: str | None = None, *, coordinator: bool = False) -> int:
    """Run the offline chat until end of input."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_chat(settings, language, coordinator))
    sys.stdout.flush()
    return 0
