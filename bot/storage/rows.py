"""Records to and from rows: a record dataclass's fields are its table's columns, so the column
list and the conversion of a row follow from the field types (timestamps from ISO text, flags
from 0/1, tuples and dicts from JSON text)."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from bot.storage.codec import from_iso

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")
_Convert = Callable[[Any], Any]


def columns(record: type) -> str:
    """The record's columns, comma-separated, in field order."""
    return ", ".join(f.name for f in fields(record))


def select(record: type, table: str) -> str:
    """``SELECT`` of the record's columns from ``table`` (add ``WHERE`` … to it)."""
    return f"SELECT {columns(record)} FROM {table}"


def from_row(record: type[R], row: Sequence[Any]) -> R:
    """The record a row selected with :func:`select` holds."""
    converters = _CONVERTERS.get(record)
    if converters is None:
        hints = get_type_hints(record)
        converters = _CONVERTERS[record] = tuple(
            (f.name, _converter(hints[f.name])) for f in fields(record)
        )
    return record(
        **{name: convert(value) for (name, convert), value in zip(converters, row, strict=True)}
    )


_CONVERTERS: dict[type, tuple[tuple[str, _Convert], ...]] = {}


def _converter(hint: Any) -> _Convert:
    """How a column's value becomes the field's: by the field's type (None stays None)."""
    optional = get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)
    if optional:
        hint = next(arg for arg in get_args(hint) if arg is not type(None))
    kind = get_origin(hint) or hint
    convert: _Convert
    if kind is datetime:
        convert = from_iso
    elif kind is bool:
        convert = bool
    elif kind is tuple:
        convert = _json_tuple
    elif kind is dict:
        convert = json.loads
    else:
        return _same
    return _or_none(convert) if optional else convert


def _same(value: Any) -> Any:
    return value


def _json_tuple(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))


def _or_none(convert: _Convert) -> _Convert:
    return lambda value: None if value is None else convert(value)
