"""A per-user flood guard, counted when an update arrives (Telegram's own limits are the rate
limiter's job).

The inbox (:mod:`bot.telegram.inbox`) calls :meth:`FloodGuard.arrived` for every update it
receives, before anything is handled, so a flood is seen at once even while the sender's
earlier updates still wait. Within ``limit`` updates in any ``window`` seconds everything is
handled. Beyond it, what happens depends on the kind of update (:func:`kind_of`):

- a message in a private chat is kept and handled in order; the sender is warned once
  (:attr:`Verdict.WARN`) until they are back under the limit;
- a button press is not acted on: it is answered with a short "slow down" (:attr:`REFUSE`);
- anything else (messages in groups, inline queries, edits) is dropped at once (:attr:`DROP`):
  nothing is said in a group, and an unanswered inline query simply shows no results.

Button presses and inline queries are counted apart from messages, with a higher limit.

The handler of group -1 (:mod:`bot.telegram.handlers.guard`) acts on the verdict.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, Final

PRIVATE_MESSAGE: Final = "private_message"
BUTTON: Final = "button"
INLINE: Final = "inline"
OTHER: Final = "other"
TAPS: Final = frozenset({BUTTON, INLINE})  # counted apart, with their own (higher) limit
_PRUNE_EVERY: Final = 1024  # checks between two clean-ups of idle users


class Verdict(Enum):
    """What to do with an update: handle it, handle it after a warning, answer a button press
    with "slow down" instead, or drop it silently."""

    ALLOW = "allow"
    WARN = "warn"
    REFUSE = "refuse"
    DROP = "drop"


def kind_of(update: Mapping[str, Any]) -> str:
    """The kind of a raw update that decides what a flood does to it."""
    if isinstance(update.get("callback_query"), dict):
        return BUTTON
    if isinstance(update.get("inline_query"), dict):
        return INLINE
    message = update.get("message")
    if isinstance(message, dict):
        chat = message.get("chat")
        if isinstance(chat, dict) and chat.get("type") == "private":
            return PRIVATE_MESSAGE
    return OTHER


class FloodGuard:
    """Allows ``limit`` messages (and other updates) per user in any ``window`` seconds, and
    ``tap_limit`` button presses and inline queries (people tap and type fast: an inline query
    comes with each keystroke); more is a flood. ``exempt``: users never limited (the
    coordinators).

    Every arrival counts, handled or not, so a flood lasts until the user pauses. Only the
    last ``limit`` arrival times of each user are kept."""

    def __init__(
        self,
        limit: int = 12,
        window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        exempt: Iterable[int] = (),
        tap_limit: int | None = None,
    ) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self.tap_limit = tap_limit if tap_limit is not None else max(limit, 30)
        self.exempt = frozenset(exempt)
        self._recent: dict[tuple[int, bool], deque[float]] = {}
        self._warned: set[int] = set()
        self._verdicts: dict[int, Verdict] = {}  # update id -> verdict given on arrival
        self._checks = 0

    def check(self, user_id: int, tap: bool = False) -> bool:
        """Record one arrival of ``user_id`` (a tap: a button press or an inline query);
        whether it is within the limit."""
        now = self._clock()
        limit = self.tap_limit if tap else self.limit
        recent = self._recent.get((user_id, tap))
        if recent is None:
            recent = self._recent[(user_id, tap)] = deque(maxlen=max(limit, 1))
        while recent and now - recent[0] > self.window:
            recent.popleft()
        within = len(recent) < limit
        recent.append(now)
        self._checks += 1
        if self._checks % _PRUNE_EVERY == 0:
            self._prune(now)
        return within

    def judge(self, user_id: int | None, kind: str) -> Verdict:
        """Count one update of ``user_id`` of ``kind`` and say what to do with it."""
        if user_id is None or user_id in self.exempt:
            return Verdict.ALLOW
        if self.check(user_id, kind in TAPS):
            if kind == PRIVATE_MESSAGE:
                self._warned.discard(user_id)
            return Verdict.ALLOW
        if kind == BUTTON:
            return Verdict.REFUSE
        if kind != PRIVATE_MESSAGE:
            return Verdict.DROP
        if user_id in self._warned:
            return Verdict.ALLOW  # warned already: kept and handled in order
        self._warned.add(user_id)
        return Verdict.WARN

    def arrived(
        self, update_id: int, user_id: int | None, kind: str, *, count: bool = True
    ) -> Verdict:
        """Judge an update as it arrives (``count=False``: one received by an earlier run,
        handled as it was then judged); the verdict is kept for :meth:`verdict` unless the
        update is dropped and so never handled."""
        verdict = self.judge(user_id, kind) if count else Verdict.ALLOW
        if verdict is not Verdict.DROP:
            self._verdicts[update_id] = verdict
        return verdict

    def verdict(self, update_id: int, user_id: int | None, kind: str) -> Verdict:
        """The verdict of an update being handled: the one given on arrival, or, for an update
        that did not come through the inbox, one given now. Each update is counted once."""
        given = self._verdicts.pop(update_id, None)
        return given if given is not None else self.judge(user_id, kind)

    def settle(self, update_id: int) -> None:
        """An update judged on arrival left the application unhandled: forget its verdict."""
        self._verdicts.pop(update_id, None)

    def _prune(self, now: float) -> None:
        for key in [k for k, r in self._recent.items() if not r or now - r[-1] > self.window]:
            del self._recent[key]
            self._warned.discard(key[0])
