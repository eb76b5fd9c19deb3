"""`python -m bot run` as a real process against the emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPOSITORY
from telegram_emulator import EmulatorServer
from tests.auxil.harness import BotProcess, share_matcher_cache
from tests.auxil.webhook import WebhookProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.process]


async def test_polling_bot_answers_keeps_language_and_stops_cleanly(
    server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = server.emulator
    bot = BotProcess(server.base_url, tmp_path, emulator.token)
    bot.start()
    try:
        student = emulator.add_user(4242, first_name="Léa", language_code="fr")
        student.send("/start")
        assert "Bonjour Léa" in (await student.wait_for_message(15)).text
        # the main menu follows the greeting (wait_idle alone may return between the two)
        assert "Menu principal" in (await student.wait_for_message(15)).text
        await emulator.wait_idle(timeout=10)
        student.send("/language")
        await student.wait_for_message(15)  # not wait_idle: the inbox's commit comes first
        student.press("English")
        assert "English" in (await student.wait_for_message(15)).text
        assert bot.terminate() == 0  # SIGTERM: a clean shutdown
        bot.start()
        student.send("combien de temps dure le séjour ?")
        reply = await student.wait_for_message(15)
        assert "4 weeks" in reply.text, "the chosen language survived the restart"
    finally:
        bot.kill()
    assert emulator.errors == []
    commands = {lang for scope, lang in emulator.bot_commands if scope == "default"}
    assert commands == {"", "zh", "fr"}


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,  # a bound against a hang (bootstrap retries on a loaded machine), not a timing
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN does not look like"),
        ({"TELEGRAM_BOT_TOKEN": "1:A", "BOT_PORT": "eighty"}, "BOT_PORT must be a whole number"),
        ({"TELEGRAM_BOT_TOKEN": "1:A", "BOT_COORDINATOR_IDS": "12,abc"}, "BOT_COORDINATOR_IDS"),
        ({"TELEGRAM_BOT_TOKEN": "1:A", "BOT_TIMEZONE": "Mars/Base"}, "BOT_TIMEZONE"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:A", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"},
            "cannot reach the Bot API",
        ),
    ],
)
async def test_bad_settings_stop_the_bot_with_one_clear_line(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    share_matcher_cache(tmp_path / "cache")  # a first start is test_first_start.py's
    result = _run({"BOT_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


async def test_webhook_mode_checks_the_secret(server: EmulatorServer, tmp_path: Path) -> None:
    emulator = server.emulator
    bot = WebhookProcess(server, tmp_path)
    try:
        await bot.start_and_wait_for_webhook()
        assert emulator.webhook.config.url == f"http://127.0.0.1:{bot.port}/telegram"
        student = emulator.add_user(5, language_code="en")
        student.send("what are the fees?")
        assert "waived" in (await student.wait_for_message(15)).text
        import httpx  # a forged update without the secret is refused

        async with httpx.AsyncClient() as client:
            forged = await client.post(bot.url, json={"update_id": 1})
        assert forged.status_code == 403
    finally:
        assert bot.terminate() == 0
