"""Error reports to the coordinators, grouped: at most one report per kind of error in a time
window; the repeats inside the window are counted and reported together when it ends.

Under a Bot API outage every update fails the same way; without this the coordinators got one
message per failed update (124 in two minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Kind:
    reported_at: float
    repeats: int = 0


@dataclass
class ErrorReports:
    """Which errors to report now, and which repeats are due; ``window`` is in seconds."""

    window: float
    clock: Callable[[], float] = time.monotonic
    _kinds: dict[str, _Kind] = field(default_factory=dict)

    def record(self, kind: str) -> bool:
        """Note one error of ``kind``; True when it is to be reported now (the first of its
        kind in the window), False when it only counts as a repeat."""
        now = self.clock()
        known = self._kinds.get(kind)
        if known is None or (now - known.reported_at >= self.window and not known.repeats):
            self._kinds[kind] = _Kind(now)
            return True
        known.repeats += 1
        return False

    def due(self) -> list[tuple[str, int]]:
        """The kinds whose window is over with repeats to report, and how many; their count
        starts again (the summary counts as this window's report)."""
        now, found = self.clock(), []
        for kind, known in self._kinds.items():
            if known.repeats and now - known.reported_at >= self.window:
                found.append((kind, known.repeats))
                known.reported_at, known.repeats = now, 0
        return found

    @property
    def pending(self) -> bool:
        """Whether some repeats wait for their summary."""
        return any(k.repeats for k in self._kinds.values())
