"""Logging set-up: plain lines on stderr, and no token-bearing URLs from httpx."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr. Message texts and names are never logged by this bot; httpx is quieted
    because its request lines contain the bot URL, which contains the token."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
