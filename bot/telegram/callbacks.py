"""The callback-data protocol: ``<version>|<action>``, e.g. ``1|topic:fees``.

Every button the bot sends is encoded here and every handler's pattern is built here, from
the one :data:`VERSION`. Buttons from an older version of the bot are recognised as stale.

Callback data arrives from the client and can be forged, so every handler is registered with
a :func:`pattern` (which matches only well-formed data) and reads it through :func:`parse`
(and :func:`number`, :func:`month` for its values), which accept only what the bot itself
produces: ASCII ids of letters, digits, ``_`` and ``-`` separated by ``:``; numbers
of plain ASCII digits without leading zeros; months ``YYYY-MM`` with a real month. Anything
else is None, and the handler answers "this button is no longer valid". Whether an id names
something that exists (a topic, a step, a choice) is the handler's check on top.
"""

from __future__ import annotations

import re

VERSION = "1"
MAX_CALLBACK_BYTES = 64

_PART = re.compile(r"[A-Za-z0-9_-]{1,60}", re.ASCII)
_NUMBER = re.compile(r"0|[1-9][0-9]{0,5}", re.ASCII)
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)


def encode(action: str) -> str:
    """Callback data for an action; fails loudly if Telegram would refuse it."""
    data = f"{VERSION}|{action}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> str | None:
    """The action of callback data, or None when it is stale or malformed (see :func:`parse`)."""
    parts = parse(data)
    return ":".join(parts) if parts is not None else None


def parse(data: str | None) -> tuple[str, ...] | None:
    """The parts of a well-formed action of this version (``1|su:level:phd`` → ``("su",
    "level", "phd")``), or None for anything the bot never produces."""
    if data is None or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        return None
    version, _, action = data.partition("|")
    if version != VERSION or not action:
        return None
    parts = tuple(action.split(":"))
    # "-" may start a month value ("2027-03" is fine) but the split never yields empty parts.
    if not all(_PART.fullmatch(part) for part in parts):
        return None
    return parts


def number(text: str, below: int | None = None) -> int | None:
    """A page number or index as the bot writes it (ASCII digits, no sign, no leading zero),
    and below ``below`` if given; else None ("²", "07", "-1" and "1e3" are all refused)."""
    if not _NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if below is None or value < below else None


def month(text: str) -> tuple[int, int] | None:
    """(year, month) of a month button's ``YYYY-MM``; None for ``2027-13`` or ``２０２７-03``."""
    found = _MONTH.fullmatch(text)
    return (int(found[1]), int(found[2])) if found else None


class Pattern:
    """The one strict matcher of every ``CallbackQueryHandler``: the data must be well formed
    (:func:`parse`: ASCII ids only, so no trailing newline or non-ASCII digit gets through)
    and its action must match the regular expression ``action`` from the start, in ASCII
    (``\\d`` is 0-9). End it with ``$`` (safe here: the action has no line break) to match one
    action exactly."""

    def __init__(self, action: str) -> None:
        self.action = re.compile(action, re.ASCII)

    def __call__(self, data: object) -> bool:
        action = decode(data) if isinstance(data, str) else None
        return action is not None and self.action.match(action) is not None

    def __repr__(self) -> str:
        return f"callbacks.pattern({self.action.pattern!r})"


class Family(Pattern):
    """Every press whose data starts with ``<version>|<name>:``, well formed or not, for a
    handler that parses the rest itself with :func:`parse` and answers what it refuses in
    its own way (the sign-up form: a forged value leaves the form where it was)."""

    def __init__(self, name: str) -> None:
        super().__init__(re.escape(name))
        self.prefix = f"{VERSION}|{name}:"

    def __call__(self, data: object) -> bool:
        return isinstance(data, str) and data.startswith(self.prefix)


def family(name: str) -> Family:
    """The pattern of every button of the feature ``name`` (see :class:`Family`)."""
    return Family(name)


def pattern(action: str) -> Pattern:
    """The ``CallbackQueryHandler`` pattern of buttons whose action matches the regular
    expression ``action`` (anchored at the start; anchor the end with ``$``)."""
    return Pattern(action)
