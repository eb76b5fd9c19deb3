"""Validation of ``reply_markup`` as the Bot API does it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from telegram_emulator.errors import bad_request

# The optional fields of an InlineKeyboardButton: a button must use exactly one.
INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_URL_SCHEMES = ("http", "https", "tg", "ton")
CALLBACK_DATA_MAX_BYTES = 64


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The markup to store (``None`` for none or an empty inline keyboard), or an APIError."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("Object expected as reply markup")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return markup if any(rows) else None
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if isinstance(button, dict):
                    _check_text(button)
                elif not isinstance(button, str) or not button:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_text(button: dict[str, Any]) -> None:
    if "text" not in button:
        raise bad_request("can't parse inline keyboard button: Can't find field \"text\"")
    if not isinstance(button["text"], str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    _check_text(button)
    # Telegram treats an empty string field as a missing one.
    actions = [name for name in INLINE_ACTIONS if button.get(name) not in (None, "", False)]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"found {', '.join(actions)}"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or len(data.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        _check_url(button["url"])


def _check_url(url: Any) -> None:
    if not isinstance(url, str) or any(char.isspace() for char in url):
        raise bad_request("BUTTON_URL_INVALID")
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme.lower() not in _URL_SCHEMES:
        raise bad_request(
            f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol"
        )
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def inline_buttons(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """The rows of buttons of an inline keyboard (none for other markups)."""
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or []
    return [list(row) for row in rows]
