"""``python -m bot run`` in webhook mode: the one set-up of the webhook process tests."""

from __future__ import annotations

from pathlib import Path

from telegram_emulator import EmulatorServer
from tests.auxil.console import COORDINATOR
from tests.auxil.harness import BotProcess
from tests.auxil.network import free_port
from tests.auxil.waiting import until

SECRET = "s3cret-token"


class WebhookProcess(BotProcess):
    """``python -m bot run`` for ``server``, receiving updates on a webhook at ``url`` (a free
    port on loopback) with ``secret``; data in ``data_dir``; ``env`` is added last.

    ``console``: the coordinators' console is on (for ``COORDINATOR``) and its server takes the
    webhook on ``port`` too; ``BOT_PORT`` is then another free port, ``own_port``, which
    nothing should listen on."""

    def __init__(
        self,
        server: EmulatorServer,
        data_dir: Path,
        secret: str = SECRET,
        *,
        console: bool = False,
        **env: str,
    ) -> None:
        self.emulator = server.emulator
        self.port, self.own_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.secret = secret
        ports = (
            {
                "BOT_WEB_URL": "http://127.0.0.1/console/",  # http: allowed with a local Bot API
                "BOT_WEB_PORT": str(self.port),
                "BOT_PORT": str(self.own_port),
                "BOT_COORDINATOR_IDS": str(COORDINATOR),
            }
            if console
            else {"BOT_PORT": str(self.port)}
        )
        super().__init__(
            server.base_url,
            data_dir,
            server.emulator.token,
            BOT_WEBHOOK_URL=self.url,
            BOT_WEBHOOK_SECRET=secret,
            **ports,
            **env,
        )

    async def start_and_wait_for_webhook(self, timeout: float = 20.0) -> None:
        """Start the process and wait until it has set its webhook (``url``) with the Bot API."""
        self.start()
        await until(lambda: self.emulator.webhook.config.url == self.url, timeout)
