"""A fault-injecting HTTP proxy for the Bot API, on the loopback interface only.

Put it between the bot (``TELEGRAM_API_BASE_URL``) and a Bot API server (the emulator): every
call is forwarded, except that a share of them, drawn at random (seeded), are answered instead
with ``429 Too Many Requests`` and a ``retry_after``, with ``502 Bad Gateway``, or are held for
``--hang`` seconds (longer than the bot's 5 s read timeout) and then answered 504 — those
calls never reach the server, so a retry cannot show a message twice. ``--latency`` adds a
network round trip to every call: half before the call reaches the server, half before its
answer returns (``bench_latency.py`` uses it alone, with no faults).

    .venv/bin/python benchmarks/fault_proxy.py --upstream http://127.0.0.1:8081 --port 8082 \\
        [--p429 0.10] [--p502 0.05] [--phang 0.05] [--hang 15] [--seed 1] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
from collections import Counter
from typing import Any

import httpx
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class FaultProxy:
    """Serves ``http://host:port/bot<token>/<method>`` and forwards it to ``upstream``."""

    def __init__(
        self,
        upstream: str,
        *,
        p429: float = 0.10,
        p502: float = 0.05,
        phang: float = 0.05,
        hang: float = 15.0,
        retry_after: tuple[int, int] = (1, 3),
        seed: int = 1,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError("the fault proxy listens on the loopback interface only")
        self.upstream = upstream.rstrip("/")
        self.p429, self.p502, self.phang, self.hang = p429, p502, phang, hang
        self.retry_after = retry_after
        self.latency = latency  # seconds of round trip added to every call
        self.random = random.Random(seed)
        self.host, self.port = host, port
        self.counts: Counter[str] = Counter()
        self._server: tornado.httpserver.HTTPServer | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        """For ``TELEGRAM_API_BASE_URL``."""
        return f"http://{self.host}:{self.port}/bot"

    def fault(self) -> str | None:
        """The fault for the next call, or None to forward it."""
        draw = self.random.random()
        if draw < self.p429:
            return "429"
        if draw < self.p429 + self.p502:
            return "502"
        if draw < self.p429 + self.p502 + self.phang:
            return "hang"
        return None

    async def forward(self, token: str, method: str, body: bytes, content_type: str) -> Any:
        assert self._client is not None
        return await self._client.post(
            f"{self.upstream}/bot{token}/{method}",
            content=body,
            headers={"Content-Type": content_type} if content_type else {},
        )

    async def start(self) -> str:
        self._client = httpx.AsyncClient(timeout=None)
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _Handler, {"proxy": self})],
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        return self.base_url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class _Handler(tornado.web.RequestHandler):
    def initialize(self, proxy: FaultProxy) -> None:
        self.proxy = proxy

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        proxy = self.proxy
        if proxy.latency:
            await asyncio.sleep(proxy.latency / 2)  # the way there
        fault = proxy.fault()
        proxy.counts[fault or "forwarded"] += 1
        if fault == "429":
            wait = proxy.random.randint(*proxy.retry_after)
            self._reply(429, {
                "ok": False, "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            })  # fmt: skip
            return
        if fault == "502":
            self._reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
            return
        if fault == "hang":
            await asyncio.sleep(proxy.hang)
            self._reply(504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"})
            return
        content_type = self.request.headers.get("Content-Type", "")
        try:
            response = await proxy.forward(token, method, self.request.body, content_type)
        except httpx.HTTPError:
            self._reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
            return
        if proxy.latency:
            await asyncio.sleep(proxy.latency / 2)  # the way back
        self.set_status(response.status_code)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            self.finish(response.content)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            self.finish(json.dumps(body))


async def _serve(args: argparse.Namespace) -> None:
    proxy = FaultProxy(
        args.upstream, p429=args.p429, p502=args.p502, phang=args.phang, hang=args.hang,
        seed=args.seed, port=args.port, latency=args.latency,
    )  # fmt: skip
    print(await proxy.start(), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8081")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--p429", type=float, default=0.10)
    parser.add_argument("--p502", type=float, default=0.05)
    parser.add_argument("--phang", type=float, default=0.05)
    parser.add_argument("--hang", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0, help="round trip added, s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
