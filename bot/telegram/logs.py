"""Logging set-up: plain lines on stderr, and no token-bearing URLs from httpx."""

from __future__ import annotations

import logging

from telegram.error import NetworkError


class _NetworkErrorsWithoutTraceback(logging.Filter):
    """A lost connection is an operational event, not a bug: one line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError):
            record.msg, record.args = f"{record.getMessage()} ({error})", ()
            record.exc_info = record.exc_text = None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr. Message texts and names are never logged by this bot; httpx is quieted
    because its request lines contain the bot URL, which contains the token."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Libraries' debug lines carry whole requests and SQL parameters (message texts, names,
    # e-mails): BOT_LOG_LEVEL=DEBUG is for this bot's own loggers only.
    for library in ("telegram", "aiosqlite", "tornado"):
        logging.getLogger(library).setLevel(max(logging.INFO, logging.getLogger().level))
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NetworkErrorsWithoutTraceback())
