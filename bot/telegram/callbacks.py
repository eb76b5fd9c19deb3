"""The callback-data protocol: ``<version>|<action>``, e.g. ``1|topic:fees``.

Every button the bot sends is encoded here and every handler's pattern is built here, from
the one :data:`VERSION`. Buttons from an older version of the bot are recognised as stale.
"""

from __future__ import annotations

import re

VERSION = "1"
MAX_CALLBACK_BYTES = 64


def encode(action: str) -> str:
    """Callback data for an action; fails loudly if Telegram would refuse it."""
    data = f"{VERSION}|{action}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> str | None:
    """The action of callback data, or None when it is stale or malformed."""
    version, _, action = (data or "").partition("|")
    return action if version == VERSION and action else None


def pattern(action: str) -> str:
    """The ``CallbackQueryHandler`` pattern of buttons whose action matches the regular
    expression ``action`` (anchored at the start; anchor the end yourself)."""
    return rf"^{re.escape(VERSION)}\|{action}"
