"""Settings, read once from the environment (and ``./.env``) into one frozen object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
HEARTBEAT_SECONDS = 30  # how often the running bot touches its heartbeat file
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The settings file every command reads: ``.env`` in the directory the command is run from (the
# file ``docker run --env-file .env`` passes). Variables of the environment win over it.
ENV_FILE = Path(".env")
# A token from @BotFather: the bot's id, a colon, then letters, digits, "_" and "-".
_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,100}", re.ASCII)
_INTEGER = re.compile(r"-?[0-9]{1,30}", re.ASCII)  # ASCII digits only: "²".isdigit() is True
MAX_ID = 2**52  # Telegram's user and chat ids fit in 52 bits
MAX_PORT = 65535
MAX_RETENTION_DAYS = 36500  # a hundred years: later dates overflow datetime at the purge
MAX_MINUTES = 7 * 24 * 60  # a week, for the settings counted in minutes


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the bot. The token never appears in ``repr``."""

    telegram_token: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    data_dir: Path = Path("data")
    knowledge_dir: Path = REPOSITORY / "knowledge"
    conversations_dir: Path = REPOSITORY / "conversations"
    coordinator_ids: frozenset[int] = frozenset()
    coordinator_chat_id: int | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    port: int = 8443
    web_url: str | None = None  # the console's public HTTPS address (off when None)
    web_port: int = 8081
    retention_days: int = 365
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    digest_time: time = time(9, 0)
    digest_empty: bool = False
    lead_notices: bool = True
    semantic: bool = True
    error_report_minutes: int = 10
    reply_minutes: int = 10  # how long a pressed "Reply to student" waits for the message
    context_idle_minutes: int = 30  # a conversation's focus is forgotten after this idle time
    prebuilt_cache_dir: Path | None = None  # the matcher's caches built with a Docker image

    @property
    def cache_dir(self) -> Path:
        """The matcher's caches (the model ready to load, the knowledge base's embeddings)."""
        return self.data_dir / "cache"

    @property
    def database_path(self) -> Path:
        """The SQLite database file."""
        return self.data_dir / "bot.sqlite3"

    @property
    def heartbeat_path(self) -> Path:
        """Touched by the running bot every HEARTBEAT_SECONDS (``python -m bot health``)."""
        return self.data_dir / "heartbeat"

    @property
    def tzinfo(self) -> ZoneInfo:
        """The time zone for schedules and displayed times."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``TELEGRAM_*`` and ``BOT_*`` variables (by default from :func:`environment`);
        raise SettingsError if malformed."""
        env = environment() if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def integer(name: str, default: int, minimum: int, maximum: int) -> int:
            raw = text(name)
            if raw is None:
                return default
            if not _INTEGER.fullmatch(raw) or not minimum <= int(raw) <= maximum:
                raise SettingsError(
                    f"{name} must be a whole number from {minimum} to {maximum}, not {raw[:40]!r}"
                )
            return int(raw)

        ids: set[int] = set()
        for part in (text("BOT_COORDINATOR_IDS") or "").split(","):
            part = part.strip()
            if not part:
                continue
            if not _is_id(part):
                raise SettingsError(
                    "BOT_COORDINATOR_IDS must be comma-separated Telegram user ids, "
                    f"not {part[:40]!r}"
                )
            ids.add(int(part))
        chat = text("BOT_COORDINATOR_CHAT_ID")
        if chat is not None and not _is_id(chat):
            raise SettingsError(f"BOT_COORDINATOR_CHAT_ID must be a chat id, not {chat[:40]!r}")
        token = text("TELEGRAM_BOT_TOKEN")
        if token is not None and not _TOKEN.fullmatch(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather "
                "(digits, a colon, then letters, digits, _ and - only)"
            )
        base_url = text("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL
        webhook_url = text("BOT_WEBHOOK_URL")
        for name, url in (("TELEGRAM_API_BASE_URL", base_url), ("BOT_WEBHOOK_URL", webhook_url)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name} must start with http:// or https://")
        # Telegram calls webhooks over HTTPS only; a self-hosted Bot API may call http://.
        if (
            webhook_url is not None
            and not webhook_url.startswith("https://")
            and base_url == DEFAULT_API_BASE_URL
        ):
            raise SettingsError(
                "BOT_WEBHOOK_URL must start with https:// (Telegram calls webhooks over HTTPS only)"
            )
        secret = text("BOT_WEBHOOK_SECRET")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret, re.ASCII):
            raise SettingsError(
                "BOT_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 characters)"
            )
        if webhook_url is not None and secret is None:
            raise SettingsError(
                "BOT_WEBHOOK_URL is set but BOT_WEBHOOK_SECRET is not: without it anyone who "
                "finds the URL can send the bot forged updates. Set it to a long random string"
            )
        web_url = text("BOT_WEB_URL")
        if web_url is not None and not web_url.startswith(
            "https://" if base_url == DEFAULT_API_BASE_URL else ("http://", "https://")
        ):
            raise SettingsError(
                "BOT_WEB_URL must start with https:// (Telegram opens Mini Apps over HTTPS only)"
            )
        log_level = (text("BOT_LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(
                f"BOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}"
            )
        settings = cls(
            telegram_token=token,
            api_base_url=base_url,
            data_dir=Path(text("BOT_DATA_DIR") or "data"),
            knowledge_dir=Path(text("BOT_KNOWLEDGE_DIR") or REPOSITORY / "knowledge"),
            conversations_dir=Path(text("BOT_CONVERSATIONS_DIR") or REPOSITORY / "conversations"),
            coordinator_ids=frozenset(ids),
            coordinator_chat_id=int(chat) if chat is not None else None,
            webhook_url=webhook_url,
            webhook_secret=secret,
            port=integer("BOT_PORT", 8443, 1, MAX_PORT),
            web_url=web_url,
            web_port=integer("BOT_WEB_PORT", 8081, 1, MAX_PORT),
            retention_days=integer("BOT_RETENTION_DAYS", 365, 1, MAX_RETENTION_DAYS),
            timezone=text("BOT_TIMEZONE") or "Asia/Shanghai",
            digest_time=_time_of_day("BOT_DIGEST_TIME", text("BOT_DIGEST_TIME") or "09:00"),
            digest_empty=_on_off("BOT_DIGEST_EMPTY", text("BOT_DIGEST_EMPTY") or "off"),
            lead_notices=_on_off("BOT_LEAD_NOTICES", text("BOT_LEAD_NOTICES") or "on"),
            semantic=_on_off("BOT_SEMANTIC", text("BOT_SEMANTIC") or "on"),
            log_level=log_level,
            error_report_minutes=integer("BOT_ERROR_REPORT_MINUTES", 10, 1, MAX_MINUTES),
            reply_minutes=integer("BOT_REPLY_MINUTES", 10, 1, MAX_MINUTES),
            prebuilt_cache_dir=_optional_path(text("BOT_PREBUILT_CACHE_DIR")),
            context_idle_minutes=integer("BOT_CONTEXT_IDLE_MINUTES", 30, 1, MAX_MINUTES),
        )
        try:
            settings.tzinfo  # noqa: B018 - validates the zone name
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"BOT_TIMEZONE {settings.timezone!r} is not a known time zone"
            ) from None
        for name, path in (
            ("BOT_KNOWLEDGE_DIR", settings.knowledge_dir),
            ("BOT_CONVERSATIONS_DIR", settings.conversations_dir),
            ("BOT_PREBUILT_CACHE_DIR", settings.prebuilt_cache_dir),
        ):
            if path is not None and not path.is_dir():
                raise SettingsError(f"{name} {str(path)!r} is not a directory")
        return settings


def _optional_path(raw: str | None) -> Path | None:
    return Path(raw) if raw is not None else None


def environment(env_file: Path = ENV_FILE) -> dict[str, str]:
    """The process environment over the variables of ``env_file`` when it exists: a variable
    set in the environment (exported, or by a service manager) wins over the file's. The file is
    parsed by python-dotenv (imported only when there is a file: ``health`` stays fast)."""
    if not env_file.is_file():
        return dict(os.environ)
    from dotenv import dotenv_values

    values = dotenv_values(env_file)
    from_file = {name: value for name, value in values.items() if value is not None}
    return {**from_file, **os.environ}


def _is_id(raw: str) -> bool:
    """A Telegram user or chat id: ASCII digits, maybe a minus, within 52 bits."""
    return bool(_INTEGER.fullmatch(raw)) and abs(int(raw)) < MAX_ID


def _time_of_day(name: str, raw: str) -> time:
    """``HH:MM`` (24-hour clock) as a time."""
    hours, _, minutes = raw.partition(":")
    well_formed = (
        raw.isascii()
        and hours.isdigit()
        and minutes.isdigit()
        and len(hours) <= 2
        and len(minutes) == 2
    )
    if well_formed and int(hours) < 24 and int(minutes) < 60:
        return time(int(hours), int(minutes))
    raise SettingsError(f"{name} must be a time of day as HH:MM (24-hour clock), not {raw[:40]!r}")


_ON, _OFF = {"on", "true", "yes", "1"}, {"off", "false", "no", "0"}


def _on_off(name: str, raw: str) -> bool:
    """``on``/``off`` (also true/false, yes/no, 1/0) as a bool."""
    if raw.lower() in _ON | _OFF:
        return raw.lower() in _ON
    raise SettingsError(f"{name} must be on or off, not {raw!r}")
