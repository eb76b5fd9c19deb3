"""``python -m bot run`` in webhook mode: the one set-up of the webhook process tests."""

from __future__ import annotations

from pathlib import Path

from telegram_emulator import EmulatorServer
from tests.auxil.harness import BotProcess
from tests.auxil.network import free_port
from tests.auxil.waiting import until

SECRET = "s3cret-token"


class WebhookProcess(BotProcess):
    """``python -m bot run`` for ``server``, receiving updates on a webhook at ``url`` (a free
    port on loopback) with ``secret``; data in ``data_dir``; ``env`` is added last."""

    def __init__(
        self, server: EmulatorServer, data_dir: Path, secret: str = SECRET, **env: str
    ) -> None:
        self.emulator = server.emulator
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.secret = secret
        super().__init__(
            server.base_url,
            data_dir,
            server.emulator.token,
            BOT_WEBHOOK_URL=self.url,
            BOT_WEBHOOK_SECRET=secret,
            BOT_PORT=str(self.port),
            **env,
        )

    async def start_and_wait_for_webhook(self, timeout: float = 20.0) -> None:
        """Start the process and wait until it has set its webhook (``url``) with the Bot API."""
        self.start()
        await until(lambda: self.emulator.webhook.config.url == self.url, timeout)
