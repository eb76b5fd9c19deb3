"""The emulator over real HTTP on 127.0.0.1: PTB polling, uploads, raw bodies and webhooks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from telegram_emulator import BotAPIEmulator, EmulatorServer, application_builder, emulator_bot
from tests.auxil.network import free_port

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def server(emu: BotAPIEmulator) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(emu) as running:
        yield running


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    again = InlineKeyboardButton("Again", callback_data="again")
    await update.message.reply_text(
        f"echo: {update.message.text}", reply_markup=InlineKeyboardMarkup([[again]])
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"pressed {query.data}")


async def test_a_polling_application_over_http(emu: BotAPIEmulator, server: EmulatorServer) -> None:
    user = emu.add_user(1001, "Ana", "fr")
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/bot")
    app = ApplicationBuilder().token(emu.token).base_url(server.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        await app.start()
        user.send("hello")
        reply = await user.wait_for_message()
        assert reply.text == "echo: hello" and reply.button_labels == ["Again"]
        user.press("Again")
        edited = await user.wait_for_message()
        assert edited is reply and edited.text == "pressed again" and edited.buttons == []
        await emu.wait_idle()
        assert [a.text for a in user.answers] == ["ok"]
        await app.updater.stop()
        await app.stop()
    assert emu.updates.pending == []  # the last fetch was confirmed on stop
    assert emu.errors == []


async def test_send_document_as_multipart(emu: BotAPIEmulator, server: EmulatorServer) -> None:
    user = emu.add_user(1001)
    async with Bot(emu.token, base_url=server.base_url) as bot:
        sent = await bot.send_document(
            1001,
            b"id;name\n1;Ana\n",
            filename="signups.csv",
            caption="<b>Export</b>",
            parse_mode="HTML",
        )
        assert sent.document is not None and sent.document.file_name == "signups.csv"
        assert sent.caption == "Export"
        again = await bot.send_document(1001, sent.document.file_id)
    document = user.last.document
    assert document is not None and again.document is not None
    assert document.file_id == again.document.file_id == sent.document.file_id
    assert document.data == b"id;name\n1;Ana\n" and document.mime_type == "text/csv"
    assert user.messages[0].caption == "Export" and user.messages[0].html == "<b>Export</b>"


async def test_raw_json_form_and_error_bodies(emu: BotAPIEmulator, server: EmulatorServer) -> None:
    user = emu.add_user(1001)
    url = f"{server.base_url}{emu.token}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            f"{url}/sendMessage", json={"chat_id": 1001, "text": "json", "reply_markup": markup}
        )
        as_form = await client.post(
            f"{url}/sendMessage",
            data={"chat_id": "1001", "text": "form", "reply_markup": json.dumps(markup)},
        )
        as_query = await client.get(f"{url}/getMe")
        too_long = await client.post(
            f"{url}/sendMessage", data={"chat_id": "1001", "text": "x" * 4097}
        )
        unknown = await client.post(f"{url}/sendTelepathy")
        wrong_token = await client.get(f"{server.base_url}1:NOPE/getMe")
    assert as_json.status_code == 200 and as_json.json()["result"]["text"] == "json"
    assert as_form.json()["result"]["reply_markup"] == markup
    assert as_query.json()["result"]["username"] == "cqmu_test_bot"
    assert too_long.status_code == 400
    assert too_long.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is too long",
    }
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found: method not found"
    assert wrong_token.status_code == 401 and wrong_token.json()["description"] == "Unauthorized"
    assert [m.text for m in user.messages] == ["json", "form"]


async def test_webhook_posts_updates_with_the_secret_header(emu: BotAPIEmulator) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    statuses = [500, 200, 200]

    class Hook(tornado.web.RequestHandler):
        def post(self) -> None:
            secret = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token")
            received.append((secret, json.loads(self.request.body)))
            self.set_status(statuses.pop(0))

    emu.webhook.retry_delay = 0.01
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    hook_server = tornado.httpserver.HTTPServer(tornado.web.Application([("/hook", Hook)]))
    hook_server.add_sockets(sockets)
    hook_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
    user = emu.add_user(1001)
    try:
        async with emulator_bot(emu) as bot:
            assert await bot.set_webhook(hook_url, secret_token="s3cret-token")
            first = user.send("hi")
            second = user.send("again")
            await emu.wait_idle(timeout=3)
            info = await bot.get_webhook_info()
    finally:
        hook_server.stop()
    # The first delivery failed (500) and was retried before the next update went out.
    assert received == [("s3cret-token", first), ("s3cret-token", first), ("s3cret-token", second)]
    assert info.url == hook_url and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_a_ptb_webhook_application_receives_updates(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    port = free_port()
    app = application_builder(emu).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token="secret_1",
        )
        await app.start()
        assert emu.webhook.config.secret_token == "secret_1"
        user.send("via webhook")
        assert (await user.wait_for_message()).text == "echo: via webhook"
        await emu.wait_idle()
        await app.updater.stop()
        await app.stop()
    assert emu.errors == [] and emu.webhook.config.deliveries[-1][1] == 200


async def test_webhook_urls_must_be_https_unless_local(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)an https url must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")
    with pytest.raises(BadRequest, match=r"(?i)ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://bot.example.org:9000/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook("https://bot.example.org/hook", secret_token="not allowed!")


async def test_stopping_the_server_ends_a_pending_long_poll(
    emu: BotAPIEmulator, server: EmulatorServer
) -> None:
    started = emu.updates.polls_started
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(
            client.post(f"{server.base_url}{emu.token}/getUpdates", data={"timeout": "30"})
        )
        async with asyncio.timeout(10):  # until the server holds the poll, however loaded
            while emu.updates.polls_started == started:
                await asyncio.sleep(0.01)
        await server.stop()
        response = await asyncio.wait_for(poll, 2)
    assert response.status_code == 502
