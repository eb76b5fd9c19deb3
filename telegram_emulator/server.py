"""A real HTTP server in front of the emulator: ``POST|GET /bot<token>/<method>``.

Run standalone with ``python -m telegram_emulator.server --port 8081``; besides the Bot API it then
serves a small control API for manual tests::

    POST /_emulator/<user_id>/send    text=...     a user writes to the bot
    POST /_emulator/<user_id>/press   button=...   a user presses an inline button
    GET  /_emulator/<user_id>/messages              what the user sees
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

from telegram_emulator.core import BotAPIEmulator
from telegram_emulator.errors import EmulatorError
from telegram_emulator.params import UploadedFile

MAX_BODY_SIZE = 50 * 1024 * 1024


class _MethodHandler(tornado.web.RequestHandler):
    """One Bot API call; the call is cancelled if the client goes away (an abandoned poll)."""

    def initialize(self, emulator: BotAPIEmulator, tasks: set[asyncio.Task[Any]]) -> None:
        self.emulator = emulator
        self.tasks = tasks
        self.task: asyncio.Task[tuple[int, dict[str, Any]]] | None = None

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        try:
            params = self._params()
        except ValueError:
            self._reply(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse JSON encoded request parameters",
                },
            )
            return
        self.task = asyncio.ensure_future(self.emulator.respond(token, method, params))
        self.tasks.add(self.task)
        try:
            status, body = await self.task
        except asyncio.CancelledError:  # the client left, or the server stops
            status, body = 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        try:
            self._reply(status, body)
        finally:
            self.tasks.discard(self.task)

    def on_connection_close(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            name: values[-1].decode("utf-8")
            for name, values in self.request.query_arguments.items()
        }
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            decoded = json.loads(self.request.body)
            if not isinstance(decoded, dict):
                raise ValueError("a JSON object is expected")
            params.update(decoded)
        else:
            params.update(
                (name, values[-1].decode("utf-8"))
                for name, values in self.request.body_arguments.items()
            )
        for name, files in self.request.files.items():
            part = files[-1]
            params[name] = UploadedFile(part.filename, part.body, part.content_type)
        return params

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        self.set_status(status, reason)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            self.finish(BotAPIEmulator.encode(body))


class _ControlHandler(tornado.web.RequestHandler):
    """The control API of the standalone server (see the module docstring)."""

    def initialize(self, emulator: BotAPIEmulator) -> None:
        self.emulator = emulator

    def get(self, user_id: str, action: str) -> None:
        user = self.emulator.users.get(int(user_id))
        if user is None or action != "messages":
            raise tornado.web.HTTPError(404)
        self.write({"messages": [
            {"message_id": m.message_id, "text": m.text, "buttons": m.buttons, "edited": m.edited}
            for m in user.messages
        ]})  # fmt: skip

    def post(self, user_id: str, action: str) -> None:
        user = self.emulator.users.get(int(user_id)) or self.emulator.add_user(int(user_id))
        try:
            if action == "send":
                update = user.send(self.get_argument("text"))
            elif action == "press":
                update = user.press(self.get_argument("button"))
            else:
                raise tornado.web.HTTPError(404)
        except EmulatorError as exc:
            raise tornado.web.HTTPError(400, reason=str(exc).splitlines()[0][:200]) from exc
        self.write(update)


class EmulatorServer:
    """Serves an emulator over HTTP on ``host``; ``port=0`` picks a free port."""

    def __init__(self, emulator: BotAPIEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._server: tornado.httpserver.HTTPServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def base_url(self) -> str:
        """The URL for ``TELEGRAM_API_BASE_URL`` (PTB appends the token and the method)."""
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> str:
        """Starts listening; returns :attr:`base_url`."""
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _MethodHandler,
                 {"emulator": self.emulator, "tasks": self._tasks}),
                (r"/_emulator/(-?\d+)/([a-z]+)", _ControlHandler, {"emulator": self.emulator}),
            ],
            log_function=lambda handler: None,
        )  # fmt: skip
        sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY_SIZE)
        self._server.add_sockets(sockets)
        return self.base_url

    async def stop(self) -> None:
        """Stops listening and ends the calls in progress (long polls)."""
        if self._server is None:
            return
        self._server.stop()
        for task in list(self._tasks):
            task.cancel()
        for _ in range(100):  # let the handlers answer their cancelled calls (502)
            if not self._tasks:
                break
            await asyncio.sleep(0.005)
        await self._server.close_all_connections()
        self._server = None

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def _serve(args: argparse.Namespace) -> None:
    emulator = BotAPIEmulator(args.token)
    for spec in args.user:
        user_id, _, rest = spec.partition(":")
        name, _, language = rest.partition(":")
        emulator.add_user(int(user_id), name or "Ana", language or "fr")
    server = EmulatorServer(emulator, args.host, args.port)
    print(await server.start(), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
        await emulator.aclose()


def main(argv: list[str] | None = None) -> None:
    """Runs the emulator over HTTP until interrupted, printing the base URL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument(
        "--user", action="append", default=[], metavar="ID[:NAME[:LANG]]",
        help="a user known from the start (users are also created by the control API)",
    )  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
