"""An in-process transport for PTB: requests go straight to the emulator, no sockets."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from telegram import Bot
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest, RequestData

from telegram_emulator.core import BotAPIEmulator
from telegram_emulator.params import UploadedFile

_METHOD_URL = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")


class EmulatorRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` answered by a :class:`BotAPIEmulator`.

    Use it as ``Bot(token, request=EmulatorRequest(emu))`` or with
    ``ApplicationBuilder().request(...).get_updates_request(...)`` (one instance each)."""

    def __init__(self, emulator: BotAPIEmulator, read_timeout: float | None = 5.0) -> None:
        self.emulator = emulator
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (unused: nothing goes over a network)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def do_request(  # noqa: PLR0917 (BaseRequest's signature)
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answers ``<base>/bot<token>/<method>`` as Telegram would: status and JSON body."""
        parts = urlsplit(url)
        match = _METHOD_URL.search(parts.path)
        if match is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return 404, BotAPIEmulator.encode(body)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        if request_data is not None:
            params.update(request_data.parameters)
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = UploadedFile(filename, data, mime_type)
        status, body = await self.emulator.respond(match["token"], match["method"], params)
        return status, BotAPIEmulator.encode(body)


def emulator_bot(emulator: BotAPIEmulator) -> Bot:
    """A PTB ``Bot`` wired to the emulator (both its request objects, getUpdates included)."""
    return Bot(
        emulator.token,
        request=EmulatorRequest(emulator),
        get_updates_request=EmulatorRequest(emulator),
    )


def application_builder(
    emulator: BotAPIEmulator,
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ``ApplicationBuilder`` with the token and both request objects set to the emulator."""
    return (
        ApplicationBuilder()
        .token(emulator.token)
        .request(EmulatorRequest(emulator))
        .get_updates_request(EmulatorRequest(emulator))
    )
