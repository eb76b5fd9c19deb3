"""Simulated users driving a real PTB Application in process, without polling."""

from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from telegram_emulator import BotAPIEmulator, EmulatorError, WaitTimeoutError, application_builder

pytestmark = pytest.mark.asyncio

MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Fees", callback_data="entry:fees")],
        [InlineKeyboardButton("Website", url="https://cqmu.edu.cn")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    topic = " ".join(context.args or []) or "none"
    await update.message.reply_html(f"<b>Welcome</b> (topic: {topic})", reply_markup=MENU)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Loading…")
    await query.edit_message_text(f"You chose <i>{query.data}</i>", parse_mode="HTML")


def build_app(emu: BotAPIEmulator) -> Application:  # type: ignore[type-arg]
    app = application_builder(emu).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(answer))
    return app


async def test_process_update_with_the_non_queuing_twins(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001, "Ana", "fr")
    async with build_app(emu) as app:
        update = user.make_message("/start fees")
        assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        await app.process_update(Update.de_json(update, app.bot))
        assert user.last.text == "Welcome (topic: fees)"
        assert user.last.html == "<b>Welcome</b> (topic: fees)"
        assert user.last.button_labels == ["Fees", "Website"]
        assert user.last.buttons[1] == [("Website", "https://cqmu.edu.cn")]

        await app.process_update(Update.de_json(user.make_press("Fees"), app.bot))
        assert len(user.messages) == 1
        assert user.last.text == "You chose entry:fees" and user.last.edited
        assert user.last.buttons == []
        assert user.answers[-1].text == "Loading…"
    assert emu.updates.pending == []  # nothing was queued
    assert emu.errors == []


async def test_pressing_buttons_that_cannot_be_pressed(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    async with build_app(emu) as app:
        await app.process_update(Update.de_json(user.make_message("/start"), app.bot))
    with pytest.raises(EmulatorError, match=r"no button 'Housing'.*Fees"):
        user.make_press("Housing")
    with pytest.raises(EmulatorError, match="url button"):
        user.make_press("Website")
    with pytest.raises(EmulatorError, match="no bot message 99"):
        user.make_press("Fees", message_id=99)
    assert user.make_press("entry:fees")["callback_query"]["data"] == "entry:fees"


async def test_wait_for_message_reports_messages_and_edits_in_order(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    async with build_app(emu) as app:
        user.mark()
        await app.process_update(Update.de_json(user.make_message("/start"), app.bot))
        await app.process_update(Update.de_json(user.make_press("Fees"), app.bot))
        first = await user.wait_for_message(timeout=0.1)
        second = await user.wait_for_message(timeout=0.1)
        assert first is second  # the same message, sent then edited: views show its current state
        assert second.text == "You chose entry:fees"
        with pytest.raises(WaitTimeoutError):
            await user.wait_for_message(timeout=0.05)


async def test_wait_for_message_wakes_when_the_bot_sends(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    user.mark()
    waiting = asyncio.create_task(user.wait_for_message(timeout=2))
    await asyncio.sleep(0.02)
    await emu.call("sendMessage", {"chat_id": "1001", "text": "late"})
    assert (await asyncio.wait_for(waiting, 1)).text == "late"


async def test_requests_are_recorded_with_decoded_params(emu: BotAPIEmulator) -> None:
    emu.add_user(1001)
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    await emu.call("sendmessage", {"chat_id": "1001", "text": "x", "reply_markup": markup})
    (call,) = emu.calls("sendMessage")
    assert call.ok and call.params["chat_id"] == 1001
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    assert call.result["message_id"] == 1


async def test_a_polling_application_in_process(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    async with build_app(emu) as app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        await app.start()
        user.send("/start housing")
        assert (await user.wait_for_message()).text == "Welcome (topic: housing)"
        user.press("Fees")
        assert (await user.wait_for_message()).text == "You chose entry:fees"
        await emu.wait_idle()
        await app.updater.stop()
        await app.stop()
    assert emu.updates.pending == [] and emu.errors == []
    assert [r.method for r in emu.requests if r.method != "getUpdates"] == [
        "getMe",
        "deleteWebhook",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ]
