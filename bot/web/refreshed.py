"""Values the console computes off the request path (the statistics, the grouped unanswered
questions, the leads' filter choices): a call gets the last value at once, and a new one is
computed in the background when it is older than its time to live."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


class Refreshed(Generic[T]):
    """The last value of ``compute`` and, when it is stale, its next one being computed."""

    def __init__(self, name: str, compute: Callable[[], Awaitable[T]], ttl: float) -> None:
        self.name, self.compute, self.ttl = name, compute, ttl
        self.value: T | None = None
        self.at = 0.0  # time.monotonic() of the value
        self.task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        """A new value is being computed."""
        return self.task is not None and not self.task.done()

    def get(self) -> T | None:
        """The last value (None before the first), at once; starts computing the next one if
        it is stale."""
        self.refresh()
        return self.value

    def refresh(self, *, force: bool = False) -> None:
        """Compute a new value in the background, if the value is stale (or ``force``) and
        none is being computed."""
        stale = self.value is None or time.monotonic() - self.at > self.ttl
        if (stale or force) and not self.pending:
            self.task = asyncio.create_task(self._run(), name=f"console: {self.name}")

    async def latest(self) -> T:
        """The last value at once (the next one computed in the background if it is stale);
        only the first value is awaited."""
        value = self.get()
        return value if value is not None else await self.wait()

    async def wait(self) -> T:
        """A fresh value: the last one if not stale, else the next one (awaited)."""
        self.refresh()
        if self.task is not None and (self.value is None or self.pending):
            await asyncio.shield(self.task)
        if self.value is None:
            raise RuntimeError(f"console: {self.name} could not be computed")
        return self.value

    async def _run(self) -> None:
        try:
            value = await self.compute()
        except Exception:  # the last value stays; the next call tries again
            _LOGGER.exception("console: computing %s failed", self.name)
            return
        self.value, self.at = value, time.monotonic()

    def cancel(self) -> None:
        """Stop computing (the server stops)."""
        if self.task is not None:
            self.task.cancel()
