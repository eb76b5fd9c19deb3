"""Announcements' test helpers: the text a coordinator announces, students with a stored lead
(who receive announcements), and how many announcements a student received."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage import Lead, Storage
from bot.telegram.context import services_of
from telegram_emulator import SimUser
from tests.auxil.harness import LocalBot

TEXT = "Open day on Friday at 10:00"


def lead(user_id: int, lang: str) -> Lead:
    """A consenting lead for ``user_id`` in ``lang``."""
    return Lead(
        user_id=user_id,
        name=f"Student {user_id}",
        email=f"s{user_id}@example.org",
        language=lang,
        consent_at=datetime.now(UTC),
    )


def storage_of(bot: LocalBot) -> Storage:
    assert bot.app is not None
    return services_of(bot.app).storage


def received(student: SimUser, text: str) -> int:
    """How many announcements with ``text`` the student was sent."""
    return sum(1 for m in student.messages if text in m.text)


async def student_with_lead(bot: LocalBot, user_id: int, lang: str) -> SimUser:
    """A student whose consenting lead is stored (without going through the form)."""
    student = bot.user(user_id, lang, f"S{user_id}")
    await storage_of(bot).upsert_lead(lead(user_id, lang))
    return student
