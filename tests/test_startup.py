"""Start-up errors (issue 7, item 7): one clear line, never the token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPOSITORY, Settings, SettingsError
from telegram_emulator import BotAPIEmulator, EmulatorServer
from tests.auxil.harness import share_matcher_cache
from tests.auxil.network import free_port


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "123:abc def"}, "TELEGRAM_BOT_TOKEN does not look like"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc\u00e9"}, "TELEGRAM_BOT_TOKEN does not look like"),
        ({"TELEGRAM_BOT_TOKEN": "１２３:abc"}, "TELEGRAM_BOT_TOKEN does not look like"),
        ({"BOT_LOG_LEVEL": "VERBOSE"}, "BOT_LOG_LEVEL must be one of DEBUG, INFO"),
        (
            {"BOT_WEBHOOK_URL": "http://bot.example.org/hook", "BOT_WEBHOOK_SECRET": "s"},
            "BOT_WEBHOOK_URL must start with https://",
        ),
        ({"BOT_WEBHOOK_URL": "https://bot.example.org/hook"}, "BOT_WEBHOOK_SECRET is not"),
        (
            {"BOT_WEBHOOK_URL": "https://bot.example.org/hook", "BOT_WEBHOOK_SECRET": "a b"},
            "BOT_WEBHOOK_SECRET may hold only",
        ),
    ],
)
def test_malformed_settings_are_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        Settings.from_env(env)
    assert "\n" not in str(raised.value)


def test_well_formed_settings_pass() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123456:AAH-x_9",
            "BOT_LOG_LEVEL": "warning",
            "BOT_WEBHOOK_URL": "https://bot.example.org/hook",
            "BOT_WEBHOOK_SECRET": "long-random_secret",
        }
    )
    assert settings.log_level == "WARNING"
    # A self-hosted Bot API server may call a plain-HTTP webhook.
    local = Settings.from_env(
        {
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "BOT_WEBHOOK_URL": "http://127.0.0.1:8443/hook",
            "BOT_WEBHOOK_SECRET": "s",
        }
    )
    assert local.webhook_url == "http://127.0.0.1:8443/hook"


def _run(env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    # Started warm: a first start's notice before the error is test_first_hour.py's, and
    # computing the caches took most of each run (under load, past the time-out).
    share_matcher_cache(data_dir / "cache")
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPOSITORY,
        env={**os.environ, "BOT_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.process
@pytest.mark.asyncio
async def test_a_refused_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    async with EmulatorServer(BotAPIEmulator()) as server:
        env = {"TELEGRAM_BOT_TOKEN": "999:WRONGTOKEN", "TELEGRAM_API_BASE_URL": server.base_url}
        result = await _in_thread(env, tmp_path)
    output = result.stderr + result.stdout
    assert result.returncode == 2
    assert "error: Telegram refused TELEGRAM_BOT_TOKEN" in result.stderr
    assert "WRONGTOKEN" not in output
    assert "Traceback" not in output
    # Besides the first start's notice of the caches it prepares (issue 19), one line.
    lines = [line for line in output.strip().splitlines() if "First start: " not in line]
    assert len(lines) == 1


@pytest.mark.process
@pytest.mark.asyncio
async def test_a_refused_webhook_is_reported_as_refused_not_unreachable(tmp_path: Path) -> None:
    async with EmulatorServer(BotAPIEmulator()) as server:
        emulator = server.emulator
        refusal = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        emulator.fail_next("setWebhook", 400, refusal, times=5)
        env = {
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "BOT_WEBHOOK_URL": "http://127.0.0.1:9/hook",
            "BOT_WEBHOOK_SECRET": "s3cret",
            "BOT_PORT": str(free_port()),
        }
        result = await _in_thread(env, tmp_path)
    assert result.returncode == 2
    assert "error: the Bot API refused the start" in result.stderr
    assert "https url must be provided" in result.stderr.lower()
    assert "cannot reach" not in result.stderr
    assert emulator.token not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


async def _in_thread(env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the process while this event loop keeps serving the emulator."""
    import asyncio

    return await asyncio.to_thread(_run, env, data_dir)
