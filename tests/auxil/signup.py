"""Signing up through the real application (LocalBot or HttpBot): what a student answers,
the whole form step by step, and the lead stored as the tests expect it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.content.forms import Form
from bot.content.texts import Texts
from bot.storage import Lead, Storage
from bot.telegram.context import services_of
from bot.telegram.handlers.signup import DRAFT
from telegram_emulator import SimUser
from tests.auxil.harness import LocalBot

NEXT_YEAR = date.today().year + 1
TYPED_MARCH = {"en": f"March {NEXT_YEAR}", "fr": f"mars {NEXT_YEAR}", "zh": f"{NEXT_YEAR}年3月"}


# --------------------------------------------------------------------------- helpers


def form(bot: LocalBot) -> Form:
    assert bot.app is not None
    result: Form = services_of(bot.app).content.form
    return result


def texts(bot: LocalBot) -> Texts:
    return form(bot).texts


def storage(bot: LocalBot) -> Storage:
    assert bot.app is not None
    result: Storage = services_of(bot.app).storage
    return result


def draft_of(bot: LocalBot, user: SimUser) -> dict[str, Any] | None:
    assert bot.app is not None
    data: dict[str, Any] | None = bot.app.user_data.get(user.id, {}).get(DRAFT)
    return data


@dataclass(frozen=True)
class Student:
    """What a student answers."""

    user_id: int
    lang: str = "en"
    name: str = "Ana Lopez"
    email: str = "ana.lopez@uchile.cl"
    university: str = "Universidad de Chile"
    country: str = "Chile"
    level: str = "phd"
    areas: tuple[str, ...] = ("pediatrics", "neurology")
    duration: str = "3_months"
    start: str = "typed"  # "typed" (March next year, in the student's language) or "button"
    message: str | None = "I would like to join a lab in 2027."

    @property
    def start_month(self) -> str:
        return f"{NEXT_YEAR}-03"


async def answer_until_consent(bot: LocalBot, user: SimUser, s: Student) -> None:
    """Start the form and answer every question up to (not including) the consent."""
    t, lang = texts(bot), s.lang
    await bot.send(user, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(user, value)
    await bot.press(user, t.get(f"signup_level_{s.level}", lang))
    await bot.press(user, t.get("signup_interests_disciplines", lang))
    for item in s.areas:
        await bot.press(user, form(bot).kb.title(item, lang))
    await bot.press(user, t.get("signup_button_done", lang))
    await bot.press(user, t.get(f"signup_duration_{s.duration}", lang))
    if s.start == "typed":
        await bot.send(user, TYPED_MARCH[lang])
    else:
        await bot.press(user, f"1|su:start_month:{s.start_month}")
    if s.message is None:
        await bot.press(user, t.get("signup_button_skip", lang))
    else:
        await bot.send(user, s.message)


async def sign_up(bot: LocalBot, user: SimUser, s: Student) -> None:
    """The whole form, consent and Confirm included."""
    await answer_until_consent(bot, user, s)
    await bot.press(user, texts(bot).get("signup_consent_yes", s.lang))
    await bot.press(user, texts(bot).get("signup_button_confirm", s.lang))


def expected_lead(s: Student) -> dict[str, Any]:
    return {
        "user_id": s.user_id,
        "name": s.name,
        "email": s.email,
        "university": s.university,
        "country": s.country,
        "level": s.level,
        "interests": s.areas,
        "duration": s.duration,
        "start_month": s.start_month,
        "message": s.message,
        "language": s.lang,
    }


def stored(lead: Lead | None) -> dict[str, Any]:
    assert lead is not None
    return {key: getattr(lead, key) for key in expected_lead(Student(0))}


def prompt(bot: LocalBot, step: str, lang: str = "en") -> str:
    return texts(bot).get(f"signup_{step}_prompt", lang)
