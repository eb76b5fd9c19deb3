"""What the console's tests share: a bot with its console listening, and signed init data."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.storage import Lead
from bot.telegram.context import services_of
from bot.web import server
from bot.web.auth import sign
from tests.auxil.harness import LocalBot, start

COORDINATOR, STUDENT = 777, 1001
URL = "https://console.example.org/console/"


def init_data(token: str, user_id: int = COORDINATOR, *, age: int = 0, lang: str = "en") -> str:
    """Init data as Telegram signs it for ``user_id``, ``age`` seconds ago."""
    user = {"id": user_id, "first_name": "Chen", "last_name": "Li", "language_code": lang}
    fields = {
        "auth_date": str(int(time.time()) - age),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":")),
    }
    return sign(fields, token)


class ConsoleBot:
    """A bot (in process, on the emulator) with its console listening on a free port."""

    def __init__(self, bot: LocalBot, web: server.WebServer) -> None:
        self.bot, self.web = bot, web
        self.base = f"http://127.0.0.1:{web.port}/console/"

    @property
    def token(self) -> str:
        return self.bot.emulator.token

    def headers(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": "tma " + init_data(self.token, **kwargs)}

    @property
    def storage(self) -> Any:
        assert self.bot.app is not None
        return services_of(self.bot.app).storage

    async def add_lead(self, user_id: int, name: str, **fields: Any) -> Lead:
        lead = Lead(
            user_id=user_id,
            name=name,
            email=fields.pop("email", f"s{user_id}@example.org"),
            language=fields.pop("language", "en"),
            consent_at=datetime.now(UTC),
            **fields,
        )
        await self.storage.upsert_lead(lead)
        return lead


@asynccontextmanager
async def console_bot(tmp_path: Path, **settings: Any) -> AsyncIterator[ConsoleBot]:
    """The bot with coordinator :data:`COORDINATOR` and the console on."""
    bot = LocalBot(
        tmp_path,
        coordinator_ids=frozenset({COORDINATOR}),
        web_url=URL,
        web_port=0,
        **settings,
    )
    await start(bot)
    assert bot.app is not None
    web = await server.start(bot.app)
    assert web is not None
    try:
        yield ConsoleBot(bot, web)
    finally:
        await server.stop(bot.app)
        await bot.stop()
