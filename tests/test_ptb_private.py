"""The fence around python-telegram-bot's private API (issue 20): each private callable the bot
overrides or calls still has the signature it was written against, python-telegram-bot still
calls the overridden hooks, and nothing outside ``bot/telegram/ptb_private.py`` touches a
private name. A failure here means: read docs/upgrading.md before upgrading."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Sequence

import pytest
from telegram import Bot
from telegram.ext import Updater

from bot.settings import REPOSITORY
from bot.telegram.ptb_private import FENCED, HookedUpdater, PollingStart, WebhookStart
from telegram_emulator import EmulatorServer

FENCE = REPOSITORY / "bot" / "telegram" / "ptb_private.py"


@pytest.mark.parametrize("what", sorted(FENCED))
def test_each_fenced_private_callable_keeps_its_signature(what: str) -> None:
    owner, name, expected = FENCED[what]
    found = getattr(owner, name, None)
    assert found is not None, f"python-telegram-bot no longer has {what}: see docs/upgrading.md"
    parameters = tuple(inspect.signature(found).parameters)
    assert parameters == expected, (
        f"python-telegram-bot changed {what}: {parameters} instead of {expected}; "
        "see docs/upgrading.md"
    )


def test_no_private_name_of_python_telegram_bot_outside_the_fence() -> None:
    names = {name for _, name, _ in FENCED.values()}
    private_import = re.compile(r"^\s*(from|import)\s+telegram(\.\w+)*\._\w", re.MULTILINE)
    uses = re.compile(r"[.\s](" + "|".join(sorted(names)) + r")\b")
    found = []
    for path in sorted((REPOSITORY / "bot").rglob("*.py")):
        if path == FENCE:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: private import" for _ in private_import.finditer(text)]
        found += [f"{path.name}: {m.group(1)}" for m in uses.finditer(text)]
    assert found == []


class Recording(HookedUpdater):
    """The hooks, recorded."""

    calls: list[str]

    async def begin_polling(self, start: PollingStart) -> None:
        self.calls.append(f"polling timeout={start.timeout}")
        start.ready.set()

    async def begin_webhook(self, start: WebhookStart) -> None:
        self.calls.append(f"webhook {start.url_path} secret={start.secret_token}")
        await self.bootstrap(0, webhook_url="", allowed_updates=None)  # PTB's own retries
        if start.ready is not None:
            start.ready.set()

    async def end_intake(self) -> None:
        self.calls.append("stop")


@pytest.mark.asyncio
async def test_python_telegram_bot_calls_the_overridden_hooks(server: EmulatorServer) -> None:
    """Through the public start and stop of ``Updater``, on the emulator."""
    async with Bot(server.emulator.token, base_url=server.base_url) as bot:
        updater = Recording(bot=bot, update_queue=asyncio.Queue())
        updater.calls = []
        allowed: Sequence[str] | None = None
        async with updater:
            await updater.start_polling(timeout=7, allowed_updates=allowed)
            assert updater.running
            await updater.stop()
            await updater.start_webhook(url_path="hook", secret_token="s3cret")
            await updater.stop()
        assert updater.calls == [
            "polling timeout=7.0",
            "stop",
            "webhook hook secret=s3cret",
            "stop",
        ]
    assert isinstance(updater, Updater)
    assert server.emulator.calls("deleteWebhook")  # _bootstrap reached the Bot API
