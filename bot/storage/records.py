"""The lead record: one student's sign-up. Every column list, row mapping and export header
derives from this dataclass (``LEAD_FIELDS``), so a new field is one line here plus one
migration adding its column."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any, Final

from bot.storage.codec import JSONDict, iso

_GIVEN: Final = {"given": True}  # metadata of the fields the sign-up form asks for


@dataclass(frozen=True, slots=True, kw_only=True)
class Lead:
    """A student who asked to be contacted by a coordinator.

    ``created_at``, ``updated_at`` and the status are set by the store; the values passed to
    :meth:`LeadStore.upsert_lead` are ignored. ``start_month`` is ``'YYYY-MM'``; ``interests``
    holds entry ids. The fields the student gives in the sign-up form are marked ``given``
    (:data:`FORM_FIELDS`; those without a default are required). ``status`` is one of
    :data:`STATUSES`: ``new``, ``updated`` (signed up again), or what a coordinator set
    (``contacted``, ``not_relevant``, with who and when).
    """

    user_id: int
    name: str = field(metadata=_GIVEN)
    email: str = field(metadata=_GIVEN)
    university: str | None = field(default=None, metadata=_GIVEN)
    country: str | None = field(default=None, metadata=_GIVEN)
    level: str | None = field(default=None, metadata=_GIVEN)
    interests: tuple[str, ...] = field(default=(), metadata=_GIVEN)
    duration: str | None = field(default=None, metadata=_GIVEN)
    start_month: str | None = field(default=None, metadata=_GIVEN)
    message: str | None = field(default=None, metadata=_GIVEN)
    language: str
    consent_at: datetime
    created_at: datetime | None = None
    updated_at: datetime | None = None
    status: str = "new"
    status_by: int | None = None
    status_at: datetime | None = None

    def as_dict(self) -> JSONDict:
        """JSON-friendly copy (timestamps as ISO text, interests as a list)."""
        return {name: plain_value(getattr(self, name)) for name in LEAD_FIELDS}


STATUSES: Final = ("new", "updated", "contacted", "not_relevant")
LEAD_FIELDS: Final = tuple(f.name for f in fields(Lead))
FORM_FIELDS: Final = tuple(f.name for f in fields(Lead) if f.metadata.get("given"))
REQUIRED_FORM_FIELDS: Final = tuple(
    f.name
    for f in fields(Lead)
    if f.metadata.get("given") and f.default is MISSING and f.default_factory is MISSING
)


def plain_value(value: object) -> Any:
    """A value as JSON holds it: timestamps as ISO text, tuples as lists."""
    if isinstance(value, datetime):
        return iso(value)
    return list(value) if isinstance(value, tuple) else value
