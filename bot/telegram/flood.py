"""A per-user guard against message floods (Telegram's own limits are the rate limiter's job)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    """What to do with an update: handle it, warn the user once, or drop it silently."""

    ALLOW = "allow"
    WARN = "warn"
    DROP = "drop"


class FloodGuard:
    """Allows ``limit`` updates per user in any ``window`` seconds."""

    def __init__(
        self, limit: int = 12, window: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._recent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        """Record one update of ``user_id`` and say whether to handle it."""
        now = self._clock()
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN
