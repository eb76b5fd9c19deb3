"""What students read is consistent (issue 7, item 14): French agreement, one form of address
and one name for the coordinators in Chinese, emoji on every main-menu button and the same in
the form, one paging style, times with their zone, the start-month error matching the
buttons."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.content.forms import add_months, month_value
from bot.understanding.answers import Assistant
from tests.auxil.harness import LocalBot, start
from tests.auxil.signup import Student, form, sign_up, texts


def starts_with_emoji(label: str) -> bool:
    first = label.split(maxsplit=1)[0]
    return len(label.split()) > 1 and not re.search(r"[A-Za-zÀ-ÿ0-9\u4e00-\u9fff]", first)


def test_french_item_answers_agree_with_any_name(assistant: Assistant) -> None:
    reply = assistant.topic_reply("neurosurgery", "fr")
    assert "La CQMU propose <b>la Neurochirurgie" in reply.text
    # Each item has its article (issue 21): la, le, les, or l' without a space.
    intensive = assistant.topic_reply("pediatric-intensive-care", "fr").text
    assert intensive.startswith("La CQMU propose <b>les Soins intensifs pédiatriques")
    assert assistant.topic_reply("oncology", "fr").text.startswith("La CQMU propose <b>l'Oncologie")
    assert "est proposé" not in assistant.texts.get("item_intro", "fr")


def test_chinese_says_nin_and_laoshi_everywhere(assistant: Assistant) -> None:
    zh_texts = [t["zh"] for t in assistant.texts.texts.values()]
    zh_answers = [e.answer["zh"] for e in assistant.kb.entries.values()]
    for text in zh_texts + zh_answers:
        assert "协调员" not in text, text
        assert not re.search("你(?!们)", text), text


@pytest.mark.asyncio
async def test_menus_and_form_look_alike(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        t = texts(bot)
        student = bot.user(6001, "fr")
        await bot.send(student, "/menu")
        labels = student.last.button_labels
        assert all(starts_with_emoji(label) for label in labels), labels
        for category in ("disciplines", "laboratories"):
            menu_icon = t.get(f"button_menu_{category}", "fr").split()[0]
            form_icon = t.get(f"signup_interests_{category}", "fr").split()[0]
            assert menu_icon == form_icon
        # One paging style: the menus' item pages and the form's areas.
        await bot.press(student, "1|topic:hospital-specialties")
        await bot.press(student, "1|items:hospital-specialties")
        assert "Suivant ▶️ 2/3" in student.last.button_labels
        await bot.press(student, "Suivant ▶️ 2/3")
        assert "◀️ Précédent 1/3" in student.last.button_labels
        s = Student(6001, lang="fr")
        await bot.send(student, "/signup")
        for value in (s.name, s.email, s.university, s.country):
            await bot.send(student, value)
        await bot.press(student, "1|su:level:phd")
        await bot.press(student, "1|su:interests:cat:specialties")
        assert "Suivant ▶️ 2/3" in student.last.button_labels
    finally:
        await bot.stop()


@pytest.mark.asyncio
async def test_mydata_times_carry_their_zone_and_start_month_errors_match_buttons(
    tmp_path: Path,
) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        student = bot.user(6002)
        await sign_up(bot, student, Student(6002))
        await bot.send(student, "/mydata")
        report = "\n".join(m.text for m in student.messages[-2:])
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+08:00\)", report), report

        await bot.send(student, "/signup")
        s = Student(6002)
        for value in (s.name, s.email, s.university, s.country):
            await bot.send(student, value)
        await bot.press(student, "1|su:level:phd")
        await bot.press(student, "1|su:interests:unsure")
        await bot.press(student, "1|su:duration:3_months")
        first_button = student.last.buttons[0][0][0]
        today = date.today()
        await bot.send(student, f"{today.year}-{today.month:02d}")  # this month: too soon
        first = form(bot).month_label(month_value(*add_months(today, 1)), "en")
        assert first == first_button
        assert texts(bot).get("signup_month_past", "en", month=first) in student.last.html
    finally:
        await bot.stop()
