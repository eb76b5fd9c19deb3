"""Bot API methods about the bot itself: getMe, updates, webhook, commands, logOut/close."""

from __future__ import annotations

import contextlib
import ipaddress
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram_emulator.errors import bad_request, conflict
from telegram_emulator.params import flag, optional_int, optional_str
from telegram_emulator.updates import SET_WEBHOOK

if TYPE_CHECKING:
    from telegram_emulator.core import BotAPIEmulator

Params = dict[str, Any]
WEBHOOK_PORTS = (80, 88, 443, 8443)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
        "chat_administrators", "chat_member",
    }
)  # fmt: skip


async def get_me(emu: BotAPIEmulator, params: Params) -> Any:
    """getMe."""
    return {
        **emu.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": not emu.group_privacy,
        "supports_inline_queries": emu.inline_mode,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def log_out(emu: BotAPIEmulator, params: Params) -> Any:
    """logOut and close: nothing to do locally."""
    return True


async def get_updates(emu: BotAPIEmulator, params: Params) -> Any:
    """getUpdates with offset, limit, timeout (long polling) and allowed_updates."""
    if emu.webhook.active:
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    allowed = _allowed_updates(params)
    if allowed is not None:
        emu.updates.allowed_updates = allowed
    offset = optional_int(params, "offset") or 0
    limit = min(max(optional_int(params, "limit") or 100, 1), 100)
    timeout = params.get("timeout") or 0
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        raise bad_request('parameter "timeout" must be a number') from None
    return await emu.updates.get_updates(offset, limit, seconds)


def _allowed_updates(params: Params) -> list[str] | None:
    allowed = params.get("allowed_updates")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    return allowed


async def set_webhook(emu: BotAPIEmulator, params: Params) -> Any:
    """setWebhook. Plain http is accepted only on loopback hosts, so local tests can listen."""
    url = optional_str(params, "url") or ""
    if not url:
        return await delete_webhook(emu, params)
    _check_webhook_url(url)
    secret = optional_str(params, "secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = optional_int(params, "max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("invalid max_connections specified")
    allowed = _allowed_updates(params)
    if flag(params, "drop_pending_updates"):
        emu.updates.drop_all()
    emu.updates.terminate_polls(SET_WEBHOOK)
    config = emu.webhook.config
    if config.url != url:
        config.last_error_date = config.last_error_message = None
    config.url, config.secret_token = url, secret
    config.max_connections = max_connections
    config.ip_address = optional_str(params, "ip_address")
    config.allowed_updates = allowed
    if allowed is not None:
        emu.updates.allowed_updates = allowed
    emu.webhook.kick()
    return True


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if parts.scheme == "http" and loopback:
        return
    if parts.scheme != "https" or not host:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


async def delete_webhook(emu: BotAPIEmulator, params: Params) -> Any:
    """deleteWebhook."""
    if flag(params, "drop_pending_updates"):
        emu.updates.drop_all()
    emu.webhook.config.url = ""
    emu.webhook.config.secret_token = None
    await emu.webhook.stop()
    return True


async def get_webhook_info(emu: BotAPIEmulator, params: Params) -> Any:
    """getWebhookInfo."""
    return emu.webhook.info()


def command_key(emu: BotAPIEmulator, params: Params) -> tuple[str, str]:
    """The (scope, language) key commands are stored under, after validation."""
    scope = params.get("scope")
    language = optional_str(params, "language_code") or ""
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    if scope is None:
        return "default", language
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat_id = optional_int(scope, "chat_id")
        if chat_id is None or chat_id not in emu.chats:
            raise bad_request("chat not found")
        kind = f"{kind}:{chat_id}"
        if scope["type"] == "chat_member":
            user_id = optional_int(scope, "user_id")
            if user_id is None:
                raise bad_request("user not found")
            kind = f"{kind}:{user_id}"
    return kind, language


async def set_my_commands(emu: BotAPIEmulator, params: Params) -> Any:
    """setMyCommands, stored per (scope, language_code); an empty list deletes them."""
    key = command_key(emu, params)
    commands = params.get("commands")
    if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    stored = []
    for command in commands:
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": name, "description": description})
    if stored:
        emu.bot_commands[key] = stored
    else:
        emu.bot_commands.pop(key, None)
    return True


async def get_my_commands(emu: BotAPIEmulator, params: Params) -> Any:
    """getMyCommands: exactly the list stored for that scope and language."""
    return [dict(command) for command in emu.bot_commands.get(command_key(emu, params), [])]


async def delete_my_commands(emu: BotAPIEmulator, params: Params) -> Any:
    """deleteMyCommands."""
    emu.bot_commands.pop(command_key(emu, params), None)
    return True


async def set_chat_menu_button(emu: BotAPIEmulator, params: Params) -> Any:
    """setChatMenuButton: one private chat's (or, without chat_id, the default) menu button;
    a ``web_app`` button needs a text and an HTTPS URL."""
    chat_id = optional_int(params, "chat_id")
    if chat_id is not None and chat_id < 0:
        raise bad_request("chat_id must be a private chat")
    button = params.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app":
        url = (button.get("web_app") or {}).get("url")
        if not isinstance(button.get("text"), str) or not button["text"].strip():
            raise bad_request("menu button text must be non-empty")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise bad_request("BUTTON_URL_INVALID: Mini App URLs must be HTTPS")
    emu.menu_buttons[chat_id] = button
    return True
