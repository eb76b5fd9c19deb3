"""``python -m bot chat``: the real application, offline, in this terminal.

The same Application and handlers run against the in-process Bot API emulator: no token and
no network. Replies are printed with numbered buttons; type a number to press one.

Sessions share the database (``BOT_DATA_DIR``) like restarts of the real bot, so update and
message ids continue from the clock instead of restarting at 1 (a form in progress would take
new messages for repeats). ``--lang`` sets the pretend student's language as ``/language``
does; the language in use is printed at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import sys
import time
from dataclasses import replace

from telegram import Update

from bot.content.languages import LANGUAGES
from bot.settings import Settings
from bot.telegram.application import build_application, post_init
from bot.telegram.context import BotContext, services_of
from telegram_emulator import BotAPIEmulator, EmulatorRequest
from telegram_emulator.users import SimUser

_TAG = re.compile(r"<[^>]+>")
STUDENT = 1  # the pretend student's Telegram id
Snapshot = dict[int, tuple[str, tuple[tuple[str, str], ...]]]  # id -> text, buttons


def _snapshot(user: SimUser) -> Snapshot:
    return {
        m.message_id: (m.text, tuple(button for row in m.buttons for button in row))
        for m in user.messages
    }


def _show(before: Snapshot, after: Snapshot) -> list[tuple[str, str]] | None:
    """Print what is new or changed; return the buttons of the last of those messages (the
    keyboard the student is looking at); None when nothing changed."""
    buttons: list[tuple[str, str]] | None = None
    for message_id, (text, message_buttons) in after.items():
        if before.get(message_id) != (text, message_buttons):
            print(f"\n🤖 {html.unescape(_TAG.sub('', text))}")
            buttons = list(message_buttons)
    if buttons:
        print("   " + "   ".join(f"[{n}] {label}" for n, (label, _) in enumerate(buttons, 1)))
    return buttons


async def _chat(settings: Settings, language: str | None) -> None:
    emulator = BotAPIEmulator()
    settings = replace(settings, telegram_token=emulator.token)
    application = build_application(settings, request=EmulatorRequest(emulator), rate_limit=False)
    user = emulator.add_user(STUDENT, first_name="Student", language_code=language or "en")
    first_id = int(time.time() * 1000)  # after every id an earlier session used
    emulator.updates.start_ids_after(first_id)
    user.chat.last_message_id = first_id
    print("Offline chat with the CQMU Exchange Assistant. Type a question, a /command, or the")
    print("number of a button. Ctrl-D or /quit to leave.")
    async with application:
        await post_init(application)
        storage = services_of(application).storage
        if language is not None:
            await storage.set_language(STUDENT, language)
        in_use = await storage.get_language(STUDENT) or "en"
        print(
            f"Language: {in_use} ({', '.join(LANGUAGES)}); change it with /language, "
            "or start with --lang"
        )
        buttons: list[tuple[str, str]] = []

        async def feed(update: dict[str, object]) -> list[tuple[str, str]]:
            before = _snapshot(user)
            await application.process_update(Update.de_json(update, application.bot))
            # What it queued for the coordinators goes to this emulator now (the job queue
            # does not run here), never to a later real run sharing the data dir.
            await services_of(application).relays.flush(BotContext(application))
            shown = _show(before, _snapshot(user))
            return buttons if shown is None else shown

        buttons = await feed(user.make_message("/start"))
        while True:
            try:
                line = (await asyncio.to_thread(input, "\n> ")).strip()
            except (EOFError, KeyboardInterrupt):
                break
            if line in {"/quit", "/exit"}:
                break
            if not line:
                continue
            if line.isdigit() and 1 <= int(line) <= len(buttons):
                buttons = await feed(user.make_press(buttons[int(line) - 1][1]))
            else:
                buttons = await feed(user.make_message(line))
    print()


def chat(settings: Settings, language: str | None = None) -> int:
    """Run the offline chat until end of input."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_chat(settings, language))
    sys.stdout.flush()
    return 0
