"""The webhook of ``python -m bot run`` against forged and oversized posts (issue 23): the
secret is checked before the body is read, the body is limited, and what is not an update is
answered 400, never 500; the bot goes on answering."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path

import httpx
import pytest

from telegram_emulator import EmulatorServer
from tests.auxil.console import COORDINATOR, init_data
from tests.auxil.harness import run_bot
from tests.auxil.waiting import until
from tests.auxil.webhook import SECRET, WebhookProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.process]


def headers_only(port: int, length: int, secret: str | None) -> bytes:
    """Send a POST's headers announcing ``length`` bytes, and only a few of them; the
    answer that comes without the rest (or b"" if none comes within 10 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        head = [
            "POST /telegram HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Content-Type: application/json",
            f"Content-Length: {length}",
        ]
        if secret is not None:
            head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + b'{"update_id": 1')
        try:
            return connection.recv(200)
        except TimeoutError:
            return b""


def chunked_post(port: int, size: int) -> bytes:
    """POST ``size`` bytes in chunks (no Content-Length), with the secret; the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        head = [
            "POST /telegram HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}",
        ]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        with contextlib.suppress(OSError):  # the server may close before the end
            for _ in range(size // 65536):
                connection.sendall(chunk)
            connection.sendall(b"0\r\n\r\n")
        try:
            return connection.recv(200)
        except OSError:
            return b""


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("console", [False, True], ids=["own port", "console's port"])
async def test_forged_and_oversized_posts(
    server: EmulatorServer, tmp_path: Path, console: bool
) -> None:
    """Every guarantee holds on the webhook's own port and, with the console on (issue 22),
    on the console's port, which then serves both (BOT_PORT is not listened on)."""
    emulator = server.emulator
    bot = WebhookProcess(server, tmp_path, console=console, BOT_SEMANTIC="off")
    port = bot.port
    try:
        await bot.start_and_wait_for_webhook()
        if console:
            assert not _listening(bot.own_port), "BOT_PORT unused: one port serves both"
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/console/") as web:
                assert (await web.get("")).status_code == 200
                assert (await web.get("api/me")).status_code == 401
                me = await web.get(
                    "api/me", headers={"Authorization": "tma " + init_data(emulator.token)}
                )
                assert me.json()["id"] == COORDINATOR
                # the console's routes do not take updates, nor the webhook's the console's
                posted = await web.post("api/me", json={"update_id": 1})
                assert posted.status_code in (401, 405)
        forty_mb = 40 << 20
        refused = await asyncio.to_thread(headers_only, port, forty_mb, None)
        assert refused.startswith(b"HTTP/1.1 403"), "refused before the 40 MB are sent"
        refused = await asyncio.to_thread(headers_only, port, forty_mb, "wrong")
        assert refused.startswith(b"HTTP/1.1 403")
        too_big = await asyncio.to_thread(headers_only, port, forty_mb, SECRET)
        assert too_big.startswith(b"HTTP/1.1 413"), "over 1 MB: refused at once"

        url = bot.url
        secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        bodies = {
            "update_id 2^63": json.dumps({"update_id": 2**63, "message": {}}).encode(),
            "update_id -1": b'{"update_id": -1}',
            "update_id true": b'{"update_id": true}',
            "nested 100,000 deep": b'{"update_id": 5, "x": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}",
            "nested 990 deep": b'{"update_id": 6, "x": ' + b"[" * 990 + b"]" * 990 + b"}",
            "not JSON": b"update_id=7",
            "not UTF-8": b'{"update_id": 8, "x": "\xff"}',
            "a list": b"[1, 2]",
        }
        async with httpx.AsyncClient(timeout=10) as client:
            for name, body in bodies.items():
                answer = await client.post(url, content=body, headers=secret)
                assert answer.status_code == 400, name

        chunked = await asyncio.to_thread(chunked_post, port, 2 << 20)  # no Content-Length
        # refused at the limit, by our handler (413) or by tornado's reader of chunks (400)
        assert chunked.startswith((b"HTTP/1.1 413", b"HTTP/1.1 400")), chunked

        student = emulator.add_user(6400, language_code="en")
        student.send("what are the fees?")
        assert "waived" in (await student.wait_for_message(20)).text, "the bot goes on"
        # the update came through the webhook, answered 200 once committed
        await until(lambda: any(code == 200 for _, code in emulator.webhook.config.deliveries))
    finally:
        code = await bot.stop()
    log = bot.log.read_text(encoding="utf-8")
    assert code == 0 and "Traceback" not in log and SECRET not in log
    assert not _listening(port)


@pytest.mark.parametrize("port", ["99999", "0", "-1", "８４４３"])
async def test_bot_port_must_be_a_port(tmp_path: Path, port: str) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "1:A", "BOT_DATA_DIR": str(tmp_path), "BOT_PORT": port}
    result = await asyncio.to_thread(run_bot, env)
    output = result.stdout + result.stderr
    assert result.returncode == 2 and output.count("\n") == 1
    assert output.startswith("error: BOT_PORT must be a whole number from 1 to 65535")
