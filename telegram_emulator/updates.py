"""The queue of updates for the bot, served by getUpdates long polling (or a webhook)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

from telegram_emulator.errors import conflict
from telegram_emulator.state import Signal

# Update types Telegram leaves out unless allowed_updates names them.
OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
OTHER_POLL = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
SET_WEBHOOK = "terminated by setWebhook request"


@dataclass(eq=False)
class PendingUpdate:
    """An update Telegram keeps until the bot confirms it (or a webhook accepts it)."""

    update_id: int
    kind: str
    payload: dict[str, Any]
    fetched: bool = False


class UpdateQueue:
    """Updates not yet confirmed, in order; getUpdates semantics live here."""

    def __init__(self) -> None:
        self.pending: list[PendingUpdate] = []
        self.allowed_updates: list[str] = []
        self.signal = Signal()
        self._last_id = 0
        self._poll = 0
        self._termination = OTHER_POLL

    def start_ids_after(self, update_id: int) -> None:
        """Number the next updates from ``update_id + 1`` (a session that must not repeat the
        ids of an earlier one, as Telegram never does)."""
        self._last_id = max(self._last_id, update_id)

    def new_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """An update dict with the next update id, not queued."""
        self._last_id += 1
        return {"update_id": self._last_id, kind: copy.deepcopy(payload)}

    def push(self, update: dict[str, Any]) -> None:
        """Queues an update made by :meth:`new_update`."""
        kind = next(key for key in update if key != "update_id")
        self.pending.append(PendingUpdate(update["update_id"], kind, update))
        self.signal.fire()

    def is_allowed(self, kind: str) -> bool:
        """Whether the bot's allowed_updates let this type of update through."""
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_TYPES

    def confirm(self, offset: int) -> None:
        """Forgets the updates a getUpdates offset confirms."""
        if offset > 0:
            self.pending = [u for u in self.pending if u.update_id >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def drop_all(self) -> None:
        """Forgets every pending update (drop_pending_updates)."""
        self.pending.clear()

    def next_deliverable(self) -> PendingUpdate | None:
        """The first pending update the bot accepts; refused types are dropped on the way."""
        self.pending = [u for u in self.pending if self.is_allowed(u.kind)]
        return self.pending[0] if self.pending else None

    def remove(self, update: PendingUpdate) -> None:
        """Forgets an update a webhook accepted."""
        if update in self.pending:
            self.pending.remove(update)

    @property
    def undelivered(self) -> int:
        """How many queued updates the bot has not received yet."""
        return sum(not u.fetched for u in self.pending)

    @property
    def polls_started(self) -> int:
        """How many getUpdates calls (or terminations) began so far: a test can wait for its
        long poll to be under way."""
        return self._poll

    def terminate_polls(self, reason: str) -> None:
        """Ends the long poll in progress, which answers ``409 Conflict: <reason>``."""
        self._poll += 1
        self._termination = reason
        self.signal.fire()

    async def get_updates(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        """getUpdates: confirm below ``offset``, then return up to ``limit`` updates, waiting up
        to ``timeout`` seconds for one to come."""
        self.terminate_polls(OTHER_POLL)
        poll = self._poll
        self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            self.next_deliverable()
            batch = self.pending[:limit]
            if batch:
                for update in batch:
                    update.fetched = True
                return [update.payload for update in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self.signal.wait(remaining)
            if poll != self._poll:
                raise conflict(self._termination)
