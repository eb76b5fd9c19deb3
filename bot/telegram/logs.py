"""Logging set-up: plain lines on stderr, and no token-bearing URLs from httpx."""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable

from telegram.error import InvalidToken, NetworkError


class _NetworkErrorsWithoutTraceback(logging.Filter):
    """A lost connection is an operational event, not a bug: one line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError):
            record.msg, record.args = f"{record.getMessage()} ({error})", ()
            record.exc_info = record.exc_text = None
        return True


class _StartUpErrorsReportedOnce(logging.Filter):
    """A refused token is reported by ``run`` in one line; python-telegram-bot's own log of it
    (a long traceback quoting the token) is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


class QuietUntilUp(logging.Filter):
    """Until :meth:`lift` (the bot is up), lines of other libraries' loggers are dropped: a
    start-up failure is the one line ``run`` prints, not python-telegram-bot's retry log
    ("Network Retry Loop … Aborting.") before it. This bot's own loggers always pass."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False

    def lift(self) -> None:
        """The bot is up: every logger is heard from now on."""
        self.up = True

    def filter(self, record: logging.LogRecord) -> bool:
        return self.up or record.name == "bot" or record.name.startswith("bot.")


FULL_DISK_EVERY = 60.0  # seconds between two log lines about a full disk


def _full_disk(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is a full disk: SQLite's "database or disk is
    full" or the system's ENOSPC/EDQUOT."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.Error) and "disk is full" in str(error).lower():
            return True
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error = error.__cause__ or error.__context__
    return False


class _FullDiskOncePerMinute(logging.Filter):
    """While the disk is full every write fails, and whatever retries (polling every second,
    each update's handling) would log a traceback each time: instead one line a minute, saying
    what is waiting (the failed record's own message: "could not store 5 updates in the
    inbox", "error while handling update 12") and how many such lines were left out."""

    def __init__(
        self, every: float = FULL_DISK_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.every, self.clock = every, clock
        self._last: float | None = None
        self._left_out = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.exc_info and _full_disk(record.exc_info[1])):
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            self._left_out += 1
            return False
        left_out = (
            f"; {self._left_out} similar line(s) in the last minute left out"
            if (self._left_out)
            else ""
        )
        record.msg = f"the disk is full, nothing can be stored: {record.getMessage()}{left_out}"
        record.args, record.exc_info, record.exc_text = (), None, None
        self._last, self._left_out = now, 0
        return True


class _Redact(logging.Filter):
    """Secrets (the token, the webhook secret) never reach the log, whatever quotes them."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self._secrets:
            message = message.replace(secret, "<secret>")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "<secret>")
        record.msg, record.args = message, ()
        return True


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> QuietUntilUp:
    """Log to stderr. Message texts and names are never logged by this bot; httpx is quieted
    because its request lines contain the bot URL, which contains the token; ``secrets`` are
    blanked out of every line. Other libraries are silent until the returned filter is lifted."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Libraries' debug lines carry whole requests and SQL parameters (message texts, names,
    # e-mails): BOT_LOG_LEVEL=DEBUG is for this bot's own loggers only.
    for library in ("telegram", "aiosqlite", "tornado"):
        logging.getLogger(library).setLevel(max(logging.INFO, logging.getLogger().level))
    full_disk = _FullDiskOncePerMinute()  # one for every handler: the minute is shared
    quiet = QuietUntilUp()
    for handler in logging.getLogger().handlers:
        handler.addFilter(full_disk)
        handler.addFilter(quiet)
        handler.addFilter(_StartUpErrorsReportedOnce())
        handler.addFilter(_NetworkErrorsWithoutTraceback())
        handler.addFilter(_Redact(secrets))
    return quiet
