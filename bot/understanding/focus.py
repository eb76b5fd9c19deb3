"""What a conversation with one student is about: the :class:`Focus` kept between messages.

The programme, topic, list and item last talked about, and the language; plain JSON data
stored with the student's other state (``user_data``), forgotten after an idle time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

IDLE_SECONDS = 30 * 60  # the default idle time after which the focus is forgotten


@dataclass(frozen=True)
class Focus:
    """What the conversation is about: plain JSON data, stored with the student's state."""

    programme: str | None = None
    topic: str | None = None
    list: str | None = None
    item: str | None = None
    language: str | None = None
    at: float = 0.0  # when it was last set (seconds since the epoch)
    # the programmes the last message named, in the order named, when it named several ("the
    # CSC programme and the exchange": "the first one" is the CSC programme)
    named: tuple[str, ...] = ()
    # the message named the item's list with it ("Is Pharmacology in the ESI top 1%?",
    # "Doctorat en pharmacie ?"): "and Microbiology?" after it asks about that list
    listed: bool = False
    # the items the last reply showed (a list's, in its order) or the last message named, in
    # order, when several: "the second one" points into them (session 14)
    shown: tuple[str, ...] = ()

    @property
    def on_list(self) -> bool:
        """Whether the list in focus is what the conversation is about: it was answered, or
        named with the item answered."""
        return self.list is not None and (self.topic == self.list or self.listed)

    def to_json(self) -> dict[str, Any]:
        """The focus as JSON data (``None`` values left out)."""
        data = {
            k: v
            for k, v in asdict(self).items()
            if v is not None and k not in ("named", "listed", "shown")
        }
        if self.listed:
            data["listed"] = True
        if self.named:
            data["named"] = list(self.named)
        if self.shown:
            data["shown"] = list(self.shown)
        return data

    @classmethod
    def from_json(cls, data: object) -> Focus:
        """A focus from stored data; anything unreadable is an empty focus."""
        if not isinstance(data, Mapping):
            return cls()
        text = {
            k: v if isinstance(v, str) else None
            for k, v in data.items()
            if k in ("programme", "topic", "list", "item", "language")
        }
        at = data.get("at")
        raw = data.get("named")
        named = tuple(p for p in raw if isinstance(p, str)) if isinstance(raw, list) else ()
        listed = data.get("listed") is True
        at_time = float(at) if isinstance(at, int | float) else 0.0
        raw_shown = data.get("shown")
        shown = (
            tuple(i for i in raw_shown if isinstance(i, str)) if isinstance(raw_shown, list) else ()
        )
        return cls(**text, at=at_time, named=named, listed=listed, shown=shown)

    def fresh(self, now: float, idle: float) -> Focus:
        """This focus, or an empty one after ``idle`` seconds without a message."""
        return self if now - self.at <= idle else Focus()
