"""Sending a durable outbox from a JobQueue job, at a steady pace.

What the database holds queued is sent by a ``flush`` function, run by a one-off job: at once
when the outbox has been quiet for ``every`` seconds, else ``every`` seconds after the previous
run began — so what is queued meanwhile goes out together, and a burst costs one message per
``every`` seconds, not one per item. Runs never overlap. A run that left something queued
(``MORE``: it sends a bounded amount each time) is followed by another; one that failed
(``FAILED``: Telegram refused, after the rate limiter's retries) by another after ``retry``
seconds. Queueing a row and calling :meth:`Outbox.kick` is all a handler does.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from telegram.ext import Application, CallbackContext, Job, JobQueue

_LOGGER = logging.getLogger(__name__)
EVERY: Final = 3.0  # seconds between two flushes of a busy outbox
RETRY: Final = 60.0  # seconds after a flush Telegram refused
_JOB_KWARGS: Final = {"misfire_grace_time": None}  # a late run still runs

Context = CallbackContext[Any, Any, Any, Any]


class Flushed(enum.Enum):
    """How a flush went."""

    DONE = "done"  # nothing left queued
    MORE = "more"  # sent its share; more is queued
    FAILED = "failed"  # Telegram refused; try again later


class Outbox:
    """Schedules and serialises the runs of ``flush`` (see the module's documentation)."""

    def __init__(
        self,
        name: str,
        flush: Callable[[Context], Awaitable[Flushed]],
        *,
        every: float = EVERY,
        retry: float = RETRY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name, self.every, self.retry = name, every, retry
        self._flush, self._clock = flush, clock
        self._job: Job[Any] | None = None
        self._last = -math.inf
        self._lock = asyncio.Lock()

    def kick(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Something was queued: make sure a run is scheduled."""
        queue = application.job_queue
        if queue is None or self._job is not None:
            return
        self._schedule(queue, max(0.0, self._last + self.every - self._clock()))

    async def flush(self, context: Context) -> Flushed:
        """Run ``flush`` now (after a run in progress, if any)."""
        async with self._lock:
            self._last = self._clock()
            return await self._flush(context)

    def _schedule(self, queue: JobQueue[Any], delay: float) -> None:
        self._job = queue.run_once(self._run, delay, name=self.name, job_kwargs=_JOB_KWARGS)

    async def _run(self, context: Context) -> None:
        self._job = None
        flushed = Flushed.FAILED
        try:
            flushed = await self.flush(context)
        finally:
            queue = context.job_queue
            if flushed is not Flushed.DONE and queue is not None and self._job is None:
                self._schedule(queue, self.every if flushed is Flushed.MORE else self.retry)
