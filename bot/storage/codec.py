"""How values are written to SQLite: UTC timestamps as fixed-width ISO text, JSON data."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.storage.errors import DataNotJSONError

JSONDict = dict[str, Any]
ConversationKey = tuple[int | str, ...]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """Fixed-width ISO-8601 UTC text; sorts like the instants it stands for."""
    return as_utc(value).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text))


def check_json(value: object, where: str) -> None:
    """Raise :class:`DataNotJSONError` unless ``value`` survives a JSON round trip unchanged.

    Allowed: dict with str keys, list, str, int, float (finite), bool, None — subclasses such
    as IntEnum/StrEnum included (they come back as their plain value, which compares equal).
    Tuples and non-str keys are refused because they would silently come back as lists and
    str keys after a restart.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataNotJSONError(f"{where} is {value!r}, which JSON cannot store")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DataNotJSONError(
                    f"{where} has the key {key!r} of type {type(key).__name__}; "
                    "stored data must use str keys (JSON would turn it into a str)"
                )
            check_json(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]")
        return
    hint = " (use a list)" if isinstance(value, tuple) else ""
    raise DataNotJSONError(
        f"{where} is of type {type(value).__name__}, which is not JSON data{hint}; "
        "only dict (str keys), list, str, int, float, bool and None can be stored"
    )


def to_json(value: object, where: str) -> str:
    check_json(value, where)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def key_to_json(key: Sequence[int | str]) -> str:
    for part in key:
        if isinstance(part, bool) or not isinstance(part, (int, str)):
            raise DataNotJSONError(f"conversation key {key!r} must hold only int and str")
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def key_from_json(text: str) -> ConversationKey:
    return tuple(json.loads(text))
