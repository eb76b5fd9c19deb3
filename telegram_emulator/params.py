"""Method parameters: decoding of form values (all strings) into the types the Bot API reads."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram_emulator.errors import bad_request

JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
        "reply_parameters", "link_preview_options", "results", "button",
        "menu_button",
    }
)  # fmt: skip
INT_FIELDS = frozenset(
    {
        "message_id", "offset", "limit", "cache_time", "max_connections",
        "reply_to_message_id", "message_thread_id", "user_id",
    }
)  # fmt: skip
BOOL_FIELDS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "allow_sending_without_reply", "disable_web_page_preview",
        "disable_content_type_detection", "allow_paid_broadcast", "is_personal",
    }
)  # fmt: skip
_JSON_NAMES = {"reply_markup": "reply keyboard markup", "entities": "entities"}
_INTEGER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    mime_type: str | None = None


def normalize(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with string values JSON-decoded or coerced where the Bot API expects
    objects, integers or booleans."""
    return {
        name: _decode(name, value) if isinstance(value, str) else value
        for name, value in params.items()
    }


def _decode(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {_JSON_NAMES.get(name, name)} JSON object") from None
    if name in INT_FIELDS:
        if not _INTEGER.fullmatch(value.strip()):
            raise bad_request(f'parameter "{name}" must be an integer')
        return int(value)
    if name in BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    if name == "chat_id" and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return value


def optional_str(params: Mapping[str, Any], name: str) -> str | None:
    """A string parameter, or ``None``; numbers are accepted as Telegram does."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bad_request(f'parameter "{name}" must be a string')
    return str(value)


def optional_int(params: Mapping[str, Any], name: str) -> int | None:
    """An integer parameter, or ``None``."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f'parameter "{name}" must be an integer')
    return value


def required_int(params: Mapping[str, Any], name: str) -> int:
    """An integer parameter that must be there."""
    value = optional_int(params, name)
    if value is None:
        raise bad_request(f'parameter "{name}" is required')
    return value


def flag(params: Mapping[str, Any], name: str) -> bool:
    """A boolean parameter (absent is false)."""
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)
