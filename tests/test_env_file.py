"""Settings from ``./.env`` for every command, the environment winning (issue 21)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, environment
from telegram_emulator import EmulatorServer
from tests.auxil.harness import share_matcher_cache


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without its BOT_* and TELEGRAM_* variables, plus ``extra``."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BOT_", "TELEGRAM_"))
    }
    return {**inherited, "PYTHONUNBUFFERED": "1", **extra}


async def _answers_start(server: EmulatorServer, folder: Path, env: dict[str, str]) -> str:
    """Run ``python -m bot run`` in ``folder``; the reply a student gets to /start."""
    share_matcher_cache(folder / "data" / "cache")
    log = folder / "bot.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        student = server.emulator.add_user(5151, first_name="Dot", language_code="en")
        student.send("/start")
        try:
            return (await student.wait_for_message(30)).text
        except Exception:
            raise AssertionError(log.read_text()) from None
    finally:
        process.send_signal(signal.SIGTERM)
        while process.poll() is None:
            await asyncio.sleep(0.01)


@pytest.mark.process
@pytest.mark.asyncio
async def test_run_with_the_token_only_in_dot_env_polls(
    server: EmulatorServer, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        f"# copied from .env.example\nTELEGRAM_BOT_TOKEN={server.emulator.token}\n"
        f"TELEGRAM_API_BASE_URL={server.base_url}\nBOT_DATA_DIR=data\n"
    )
    assert "Hello Dot" in await _answers_start(server, tmp_path, _clean_env())
    assert (tmp_path / "data" / "bot.sqlite3").exists(), "BOT_DATA_DIR came from .env too"


@pytest.mark.process
@pytest.mark.asyncio
async def test_an_exported_token_wins_over_the_file(server: EmulatorServer, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN=123:FROMTHEFILE\nTELEGRAM_API_BASE_URL={server.base_url}\n"
        "BOT_DATA_DIR=data\n"
    )
    env = _clean_env(TELEGRAM_BOT_TOKEN=server.emulator.token)
    assert "Hello Dot" in await _answers_start(server, tmp_path, env)


def test_no_env_file_is_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert environment() == dict(os.environ)
    (tmp_path / ".env").write_text("export BOT_RETENTION_DAYS=30\nBOT_TIMEZONE='Europe/Paris'\n")
    monkeypatch.setenv("BOT_TIMEZONE", "UTC")
    settings = Settings.from_env()
    assert settings.retention_days == 30 and settings.timezone == "UTC"
