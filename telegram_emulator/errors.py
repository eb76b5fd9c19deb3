"""Errors: the Bot API's own (sent back to the bot) and the emulator's (raised in tests)."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str) -> APIError:
    """A 400 error, described as Telegram does: ``Bad Request: <message>``."""
    return APIError(400, f"Bad Request: {message}")


def forbidden(message: str) -> APIError:
    """A 403 error, described as Telegram does: ``Forbidden: <message>``."""
    return APIError(403, f"Forbidden: {message}")


def conflict(message: str) -> APIError:
    """A 409 error, described as Telegram does: ``Conflict: <message>``."""
    return APIError(409, f"Conflict: {message}")


class EmulatorError(AssertionError):
    """A test helper could not do what it was asked (no such button, nothing arrived...)."""


class WaitTimeoutError(EmulatorError):
    """A waiting helper gave up: what it waited for did not happen in time."""
