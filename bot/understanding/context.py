"""The conversation with one student: what is in focus, and follow-ups read in that context.

(Skeleton: every message is read alone.)
"""

from __future__ import annotations

from bot.understanding.answers import Assistant, Reply


class Dialogue:
    """One student's conversation, message after message."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def reply(self, text: str, lang: str | None = None) -> Reply:
        """The reply to the next message."""
        return self.assistant.answer(text, lang)
