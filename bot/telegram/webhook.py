"""The webhook's HTTP side: the handler that takes Telegram's POSTs for the inbox
(:mod:`bot.telegram.inbox`), and where it is served — on a tornado server of its own on
``BOT_PORT``, or by a :class:`WebhookHost` (the console's server, on its port).

The guarantees are the handler's, wherever it is served: the content type and the secret
header (compared in constant time) are checked before any byte of the body is read (403);
the body holds at most :data:`MAX_WEBHOOK_BODY` bytes (413); what is not an update is
answered 400, never 500; 200 only once the update is committed to the inbox; 503 once the
webhook is stopped (Telegram delivers the update again).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Final, Protocol

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.storage import JSONDict
from bot.telegram.startup import PortInUseError, describe

_LOGGER = logging.getLogger(__name__)

MAX_WEBHOOK_BODY: Final = 1 << 20  # bytes: Telegram's updates are a few kilobytes
MAX_UPDATE_ID: Final = 2**53  # Telegram's ids are far below; SQLite's INTEGER ends at 2^63

Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]


class Receiver(Protocol):
    """What takes the updates (:class:`bot.telegram.inbox.InboxUpdater`)."""

    webhook_open: bool

    async def wait_for_room(self) -> int:
        """Wait until the application may take more updates."""

    async def receive(self, updates: Sequence[JSONDict]) -> None:
        """Commit the updates to the inbox, then queue them."""


class WebhookHost(Protocol):
    """A server of ours that serves the webhook beside its own pages (the console's)."""

    port: int

    def add_webhook(
        self, path: str, handler: type[tornado.web.RequestHandler], kwargs: dict[str, Any]
    ) -> None:
        """Route POSTs to ``path`` (a regular expression) to ``handler(**kwargs)``."""


def webhook_route(path: str, receiver: Receiver, secret_token: str | None) -> Route:
    """The webhook's route: POSTs to ``path`` handled by :class:`WebhookHandler`."""
    return rf"{path}/?", WebhookHandler, {"updater": receiver, "secret_token": secret_token}


def webhook_server(route: Route, port: int, address: str) -> tornado.httpserver.HTTPServer:
    """A server of the webhook alone, listening on ``port``; PortInUseError if it cannot."""
    # No access log (python-telegram-bot's choice too).
    app = tornado.web.Application([route], log_function=lambda handler: None)
    try:
        sockets = tornado.netutil.bind_sockets(port, address)
    except OSError as error:
        raise PortInUseError(
            f"the webhook server cannot listen on BOT_PORT {port}: {describe(error)}"
        ) from None
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    return server


@tornado.web.stream_request_body
class WebhookHandler(tornado.web.RequestHandler):
    """Commits the POSTed update to the inbox, then answers 200 (a failure to store it answers
    500, and Telegram delivers the update again).

    The body is streamed: the content type and the secret header are checked as soon as the
    headers arrive (:meth:`prepare`, 403), before any byte of the body is read, and the body
    may hold at most :data:`MAX_WEBHOOK_BODY` bytes (413). What is not an update — not JSON,
    not an object, nested too deep, an ``update_id`` outside 0…2^53 — is answered 400, never
    500. A webhook that was stopped answers 503.
    """

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, updater: Receiver, secret_token: str | None) -> None:
        self.updater = updater
        self.secret_token = secret_token
        self._body = bytearray()

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", 'application/json; charset="utf-8"')

    def prepare(self) -> None:
        if not self.updater.webhook_open:
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        if self.request.headers.get("Content-Type") != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.secret_token is not None:
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isascii() or not length.isdigit() or int(length) > MAX_WEBHOOK_BODY:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        connection = self.request.connection
        if connection is not None and hasattr(connection, "set_max_body_size"):
            connection.set_max_body_size(MAX_WEBHOOK_BODY)

    def data_received(self, chunk: bytes) -> None:
        if len(self._body) + len(chunk) > MAX_WEBHOOK_BODY:  # chunked: no Content-Length
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self._body += chunk

    async def post(self) -> None:
        data = _update_of(bytes(self._body))
        await self.updater.wait_for_room()  # back-pressure on Telegram
        await self.updater.receive([data])
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A failure to store is logged without the request (its headers hold the secret)."""
        if not isinstance(value, tornado.web.HTTPError):
            _LOGGER.error("webhook: the update could not be taken", exc_info=(typ, value, tb))


def _update_of(body: bytes) -> JSONDict:
    """The update a webhook body holds; HTTP 400 for anything that is not one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested 100,000 deep
        raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if (
        not isinstance(update_id, int)
        or isinstance(update_id, bool)
        or not 0 <= update_id < MAX_UPDATE_ID
    ):
        raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
    try:
        json.dumps(data)  # what the inbox will store: also within the recursion limit
    except (ValueError, RecursionError):
        raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
    return data
