"""Start-up failures as one line for the operator: what is wrong, where, and what to do.

``python -m bot run`` checks the data directory before anything else (:func:`check_data_dir`)
and turns whatever still stops the start — a damaged database, an unreadable file, a port in
use — into one line through :func:`describe`: no traceback, no token (the caller blanks the
secrets out), and a non-zero exit.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import tempfile

from telegram import Bot
from telegram.error import TelegramError

from bot.content.knowledge import KnowledgeError
from bot.settings import Settings
from bot.storage import StorageError

_OS_HINTS = {
    errno.EACCES: "the bot's user may not write there (a volume owned by root? chown it to "
    "the bot's user)",
    errno.EPERM: "the bot's user may not write there",
    errno.EROFS: "the file system is mounted read-only",
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is exhausted: free some space",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EEXIST: "a file of that name is in the way",
    errno.EISDIR: "it is a directory, not a file",
    errno.EADDRINUSE: "another program listens on it (another instance of the bot?)",
}


class StartupError(Exception):
    """Something in the environment stops the start; the message is one line."""


class PortInUseError(StartupError):
    """The webhook server cannot listen on ``BOT_PORT``."""


def check_data_dir(settings: Settings) -> None:
    """``BOT_DATA_DIR`` is a directory the bot can create files in, and its database path is
    not a directory; else StartupError. (A write is tried: permissions alone do not tell a
    read-only mount or a full disk.)"""
    directory = settings.data_dir
    if directory.exists() and not directory.is_dir():
        raise StartupError(f"BOT_DATA_DIR {str(directory)!r} is a file, not a directory")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(
            f"cannot create BOT_DATA_DIR {str(directory)!r}: {_os_reason(error)}"
        ) from None
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-") as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        raise StartupError(
            f"cannot write in BOT_DATA_DIR {str(directory)!r}: {_os_reason(error)}"
        ) from None
    database = settings.database_path
    if database.is_dir():
        raise StartupError(
            f"the database {str(database)!r} is a directory, not a file: move it away"
        )


def check_port(settings: Settings) -> None:
    """In webhook mode, ``BOT_PORT`` (``BOT_WEB_PORT`` with the console on) is free to listen
    on; else StartupError (checked before anything else starts, so the line is the only one;
    the webhook server checks again)."""
    if not settings.webhook_url:
        return
    # With the console on, the webhook is served on the console's port.
    name, port = (
        ("BOT_WEB_PORT", settings.web_port) if settings.web_url else ("BOT_PORT", settings.port)
    )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado listens
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as error:
            raise PortInUseError(
                f"the webhook server cannot listen on {name} {port}: {_os_reason(error)}"
            ) from None


async def remove_webhook(settings: Settings) -> bool:
    """Remove the bot's webhook at the Bot API (best effort): while the server cannot start,
    updates wait at Telegram instead of failing at a dead URL. Whether it was removed."""
    try:
        async with Bot(settings.telegram_token or "", base_url=settings.api_base_url) as bot:
            return await bot.delete_webhook()
    except TelegramError:
        return False


def describe(error: BaseException) -> str | None:
    """The one line for an error that stops the start, or None if it is not one of the
    known kinds (the caller then names its type)."""
    if isinstance(error, StorageError):  # a damaged database, a failed migration…
        hint = _database_hint(str(error))
        return f"{error}: {hint}" if hint else str(error)
    if isinstance(error, StartupError | KnowledgeError):
        return str(error)
    if isinstance(error, sqlite3.Error):
        hint = _database_hint(str(error)) or "see SQLite's message"
        return f"the database cannot be used ({error}): {hint}"
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"{_os_reason(error)}{where}"
    return None


_DATABASE_HINTS = (
    ("disk is full", "the disk is full: free some space"),
    ("readonly", "the database or its directory is read-only"),
    ("not a database", "the file is damaged or not the bot's database: restore a backup"),
    ("malformed", "the file is damaged: restore a backup or move it away"),
    ("unable to open", "check that BOT_DATA_DIR is a writable directory"),
)


def _database_hint(reason: str) -> str | None:
    """What SQLite's message means for the operator, if it is a known one."""
    lowered = reason.lower()
    return next((hint for words, hint in _DATABASE_HINTS if words in lowered), None)


def _os_reason(error: OSError) -> str:
    reason = error.strerror or type(error).__name__
    hint = _OS_HINTS.get(error.errno or 0)
    return f"{reason}: {hint}" if hint else reason
