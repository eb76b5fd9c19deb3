"""Who is calling: Telegram's Mini App init data, checked on every API call.

Telegram signs the init data it hands the page with a key derived from the bot's token
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app): the
data-check string is every field but ``hash``, sorted, as ``key=value`` lines; the secret key
is HMAC-SHA256 of the token keyed with ``"WebAppData"``; ``hash`` is the hex HMAC-SHA256 of
the data-check string under that key. A caller is accepted when the hash matches (compared
in constant time), ``auth_date`` is at most :data:`MAX_AGE` seconds old, and the user is a
listed coordinator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode

MAX_AGE: Final = 3600  # seconds an init data stays valid
MAX_INIT_DATA: Final = 4096  # characters; Telegram's are well under 1,000
CLOCK_SKEW: Final = 60  # seconds an auth_date may lie in the future (clocks differ)


@dataclass(frozen=True)
class Caller:
    """A coordinator whose init data checked out."""

    id: int
    name: str
    language_code: str


def secret_key(token: str) -> bytes:
    """The key init data is signed with, derived from the bot's token."""
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def sign(fields: dict[str, str], token: str) -> str:
    """Init data as Telegram makes it (for tests and benchmarks): ``fields`` plus ``hash``."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    digest = hmac.new(secret_key(token), check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def verify(  # noqa: PLR0911 - one early return per reason to refuse
    init_data: str, token: str, coordinators: frozenset[int], now: float | None = None
) -> Caller | None:
    """The coordinator ``init_data`` proves, or None (bad signature, too old, not a
    coordinator, malformed)."""
    if not init_data or len(init_data) > MAX_INIT_DATA:
        return None
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a field given twice
        return None
    received = fields.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    expected = hmac.new(secret_key(token), check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        return None
    auth_date = fields.get("auth_date", "")
    now = time.time() if now is None else now
    if not auth_date.isdigit() or not -CLOCK_SKEW <= now - int(auth_date) <= MAX_AGE:
        return None
    try:
        user = json.loads(fields.get("user", ""))
    except ValueError:
        return None
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, int) or user_id not in coordinators:
        return None
    name = " ".join(str(user.get(k) or "") for k in ("first_name", "last_name")).strip()
    return Caller(user_id, name, str(user.get("language_code") or ""))
