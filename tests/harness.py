"""Drive the real bot as students would: in process, or as a `python -m bot run` process.

- ``LocalBot``: the application from ``build_application`` on the in-process emulator; each
  ``send``/``press`` is handled completely before it returns (fast, deterministic).
- ``BotProcess``: ``python -m bot run`` in a subprocess, polling an ``EmulatorServer`` over
  HTTP on 127.0.0.1 — the production path, which can be killed and restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Update

from bot.application import ExchangeApplication, build_application
from bot.emulator import BotAPIEmulator, EmulatorRequest, SimUser
from bot.settings import REPOSITORY, Settings


class LocalBot:
    """The full application over the in-process emulator, with restarts."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.emulator = BotAPIEmulator()
        self.settings = replace(
            Settings(), telegram_token=self.emulator.token, data_dir=data_dir, **settings
        )
        self.app: ExchangeApplication | None = None

    async def start(self) -> LocalBot:
        """Build and initialise a fresh application (the data directory is kept)."""
        self.app = build_application(
            self.settings, request=EmulatorRequest(self.emulator), rate_limit=False
        )
        await self.app.initialize()
        return self

    async def stop(self) -> None:
        """Shut the application down cleanly."""
        if self.app is not None:
            await self.app.shutdown()
            self.app = None

    async def restart(self) -> None:
        """A new process in all but name: state survives only through the database."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> LocalBot:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def user(self, user_id: int = 1001, language_code: str = "en", name: str = "Ana") -> SimUser:
        """A student with a private chat."""
        return self.emulator.add_user(user_id, first_name=name, language_code=language_code)

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update completely."""
        assert self.app is not None
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def send(self, user: SimUser, text: str) -> None:
        """The student types ``text``."""
        await self.feed(user.make_message(text))

    async def press(self, user: SimUser, label_or_data: str) -> None:
        """The student presses a button of the latest bot message that has it."""
        await self.feed(user.make_press(label_or_data))


class BotProcess:
    """``python -m bot run`` polling an emulator served over HTTP."""

    def __init__(self, base_url: str, data_dir: Path, token: str, **env: str) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_BASE_URL": base_url,
            "BOT_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "bot.log"

    def start(self) -> None:
        """Start the bot process (logs go to ``data_dir/bot.log``)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=REPOSITORY,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no clean-up at all."""
        self._stop(signal.SIGKILL)

    def terminate(self) -> int:
        """SIGTERM, as Docker and systemd stop services; returns the exit code."""
        return self._stop(signal.SIGTERM)

    def _stop(self, sig: int) -> int:
        if self.process is None:
            return 0
        self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        self.process = None
        return code
