"""Webhook delivery: pending updates are POSTed, one at a time and in order, to the bot's URL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx

from telegram_emulator.updates import UpdateQueue

WebhookSender = Callable[[str, bytes, dict[str, str]], Awaitable[int]]
"""``await sender(url, json_body, headers)`` POSTs an update and returns the HTTP status."""


async def post_with_httpx(url: str, body: bytes, headers: dict[str, str]) -> int:
    """The default sender: a real HTTP POST."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        response = await client.post(url, content=body, headers=headers)
        return response.status_code


@dataclass
class WebhookConfig:
    """What setWebhook stored, and the last delivery error as getWebhookInfo reports it."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: list[tuple[int, int]] = field(default_factory=list)


class WebhookDelivery:
    """Delivers the queue to the webhook while one is set; failed deliveries are retried."""

    def __init__(self, queue: UpdateQueue, sender: WebhookSender, retry_delay: float = 0.2) -> None:
        self.queue = queue
        self.sender = sender
        self.retry_delay = retry_delay
        self.config = WebhookConfig()
        self.busy = False
        self.last_done = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """Whether a webhook is set."""
        return bool(self.config.url)

    def kick(self) -> None:
        """Starts delivering if a webhook is set and no delivery runs in this event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = self._task
        if not self.active or (task and not task.done() and task.get_loop() is loop):
            return
        self._task = loop.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        """Stops delivering (the queue is kept)."""
        task, self._task = self._task, None
        if task and not task.done():
            task.cancel()
            if task.get_loop() is asyncio.get_running_loop():
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.busy = False

    async def _run(self) -> None:
        while self.active:
            update = self.queue.next_deliverable()
            if update is None:
                await self.queue.signal.wait(1.0)
                continue
            headers = {"Content-Type": "application/json"}
            if self.config.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.config.secret_token
            body = json.dumps(update.payload, ensure_ascii=False).encode("utf-8")
            self.busy = True
            update.fetched = True
            try:
                status = await self.sender(self.config.url, body, headers)
                error = None if 200 <= status < 300 else _status_error(status)
            except Exception as exc:  # a failed delivery is retried, whatever the cause
                status, error = 0, f"Connection failed: {exc or type(exc).__name__}"
            finally:
                self.busy = False
                self.last_done = time.monotonic()
            self.config.deliveries.append((update.update_id, status))
            if error is None:
                self.queue.remove(update)
                continue
            update.fetched = False
            self.config.last_error_date = int(time.time())
            self.config.last_error_message = error
            await asyncio.sleep(self.retry_delay)

    def info(self) -> dict[str, Any]:
        """The getWebhookInfo result."""
        info: dict[str, Any] = {
            "url": self.config.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue.pending),
        }
        if not self.active:
            return info
        info["max_connections"] = self.config.max_connections
        optional = {
            "ip_address": self.config.ip_address,
            "allowed_updates": self.config.allowed_updates,
            "last_error_date": self.config.last_error_date,
            "last_error_message": self.config.last_error_message,
        }
        info.update({key: value for key, value in optional.items() if value is not None})
        return info


def _status_error(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"Wrong response from the webhook: {status} {phrase}"
