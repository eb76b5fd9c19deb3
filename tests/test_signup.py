"""The sign-up form through the real application (LocalBot): what the student sees, and the
rows stored."""

from __future__ import annotations

import asyncio
import html
from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.content.forms import add_months, month_value
from bot.telegram.context import services_of
from telegram_emulator import SimUser
from tests.auxil.harness import LocalBot, start
from tests.auxil.signup import (
    NEXT_YEAR,
    TYPED_MARCH,
    Student,
    answer_until_consent,
    draft_of,
    expected_lead,
    form,
    prompt,
    sign_up,
    storage,
    stored,
    texts,
)

pytestmark = pytest.mark.asyncio

# --------------------------------------------------------------------------- complete forms


@pytest.mark.parametrize("lang", ["en", "zh", "fr"])
async def test_a_complete_sign_up_in_each_language(bot: LocalBot, lang: str) -> None:
    s = Student(2001, lang=lang, name="Zhang Wei" if lang == "zh" else "Ana Lopez")
    user = bot.user(s.user_id, lang)
    t = texts(bot)
    await bot.send(user, "/signup")
    assert t.get("signup_intro", lang) in user.last.html
    assert prompt(bot, "name", lang) in user.last.html
    assert t.get("signup_progress", lang, number=1, total=10) in user.last.html
    await bot.send(user, s.name)
    assert prompt(bot, "email", lang) in user.last.html
    await bot.send(user, s.email)
    await bot.send(user, s.university)
    await bot.send(user, s.country)
    assert prompt(bot, "level", lang) in user.last.html
    assert user.last.button_labels == [
        t.get(f"signup_level_{c}", lang) for c in ("masters", "phd", "visiting_scholar", "other")
    ]
    await bot.press(user, t.get("signup_level_phd", lang))
    assert user.last.html.startswith(
        t.get("signup_echo", lang, answer=t.get("signup_level_phd", lang))
    )
    await bot.press(user, t.get("signup_interests_disciplines", lang))
    for item in s.areas:
        await bot.press(user, form(bot).kb.title(item, lang))
    assert f"✓ {form(bot).kb.title('pediatrics', lang)}" in user.last.button_labels
    await bot.press(user, t.get("signup_button_done", lang))
    assert prompt(bot, "duration", lang) in user.last.html
    await bot.press(user, t.get("signup_duration_3_months", lang))
    assert prompt(bot, "start_month", lang) in user.last.html
    await bot.send(user, TYPED_MARCH[lang])
    assert prompt(bot, "message", lang) in user.last.html
    await bot.send(user, s.message or "")
    assert t.get("signup_consent_prompt", lang, days=365) in user.last.html
    await bot.press(user, t.get("signup_consent_yes", lang))
    summary = user.last.html
    for value in (s.name, s.email, s.university, s.country, t.get("signup_level_phd", lang)):
        assert html.escape(value) in summary
    assert form(bot).month_label(s.start_month, lang) in summary
    assert form(bot).kb.items["neurology"].label(lang) in summary
    assert await storage(bot).get_lead(s.user_id) is None  # nothing stored before Confirm
    await bot.press(user, t.get("signup_button_confirm", lang))
    assert user.last.html == t.get("signup_done", lang, name=s.name, email=s.email)
    assert stored(await storage(bot).get_lead(s.user_id)) == expected_lead(s)
    assert draft_of(bot, user) is None
    assert bot.emulator.errors == []


@pytest.mark.smoke
async def test_a_sign_up_with_a_month_button_and_a_skipped_message(bot: LocalBot) -> None:
    s = Student(2002, start="button", message=None)
    user = bot.user(s.user_id)
    await sign_up(bot, user, s)
    assert stored(await storage(bot).get_lead(s.user_id)) == expected_lead(s)


async def test_not_sure_and_month_buttons(bot: LocalBot) -> None:
    user = bot.user(2003)
    t = texts(bot)
    await bot.send(user, "/signup")
    for value in ("Ana Lopez", "ana@uchile.cl", "Universidad de Chile", "Chile"):
        await bot.send(user, value)
    await bot.press(user, t.get("signup_level_other", "en"))
    assert t.get("signup_button_done", "en") not in user.last.button_labels  # nothing chosen
    await bot.press(user, t.get("signup_button_not_sure", "en"))
    await bot.press(user, t.get("signup_duration_4_weeks", "en"))
    months = [label for label in user.last.button_labels]
    assert len(months) == 8
    await bot.press(user, months[0])
    await bot.press(user, t.get("signup_button_skip", "en"))
    await bot.press(user, t.get("signup_consent_yes", "en"))
    assert t.get("signup_value_not_sure", "en") in user.last.html
    await bot.press(user, t.get("signup_button_confirm", "en"))
    lead = await storage(bot).get_lead(2003)
    assert lead is not None and lead.interests == () and lead.message is None
    assert lead.level == "other" and lead.duration == "4_weeks"
    assert lead.start_month is not None and lead.start_month > date.today().isoformat()[:7]


# --------------------------------------------------------------------------- entering the form


@pytest.mark.parametrize(
    ("how", "value", "lang"),
    [
        ("press", "1|signup", "en"),
        ("send", "/start signup", "en"),
        ("send", "I would like to sign up", "en"),
        ("send", "我想报名", "zh"),  # the form runs in the language of the message
        ("send", "je veux m'inscrire", "fr"),
        ("send", "Je voudrais postuler", "fr"),
    ],
)
async def test_every_way_in_starts_the_form(bot: LocalBot, how: str, value: str, lang: str) -> None:
    user = bot.user(2010)
    if how == "press":
        await bot.send(user, "/menu")
        await bot.press(user, value)
    else:
        await bot.send(user, value)
    assert prompt(bot, "name", lang) in user.last.html
    assert draft_of(bot, user) is not None


async def test_signup_again_mid_form_continues_where_it_stopped(bot: LocalBot) -> None:
    user = bot.user(2011)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    await bot.send(user, "/signup")
    assert texts(bot).get("signup_resume", "en") in user.last.html
    assert prompt(bot, "email") in user.last.html
    assert draft_of(bot, user) is not None and draft_of(bot, user)["answers"] == {
        "name": "Ana Lopez"
    }  # type: ignore[index]


# --------------------------------------------------------------------------- checks on answers


async def test_an_invalid_email_is_explained_and_asked_again(bot: LocalBot) -> None:
    user = bot.user(2020)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    for wrong in ("ana.lopez", "ana@", "ana lopez@uchile.cl", "ana@@uchile.cl"):
        await bot.send(user, wrong)
        assert texts(bot).get("signup_email_invalid", "en") in user.last.html
        assert prompt(bot, "email") in user.last.html
    await bot.send(user, "ana@uchile.cl")
    assert prompt(bot, "university") in user.last.html


async def test_over_long_input_is_refused_politely(bot: LocalBot) -> None:
    user = bot.user(2021)
    await bot.send(user, "/signup")
    await bot.send(user, "A" * 5000)
    assert texts(bot).get("signup_too_long", "en", limit=120) in user.last.html
    assert prompt(bot, "name") in user.last.html
    assert draft_of(bot, user)["answers"] == {}  # type: ignore[index]
    await bot.send(user, "B" * 121)
    assert texts(bot).get("signup_too_long", "en", limit=120) in user.last.html
    await bot.send(user, "B" * 120)
    assert prompt(bot, "email") in user.last.html
    assert bot.emulator.errors == []


async def test_control_characters_are_stripped_and_markup_is_stored_as_given(
    bot: LocalBot,
) -> None:
    s = Student(2022, name="<b>Ana</b> & Co", university="Universidad\x00 de\x07 Chile\u202e")
    user = bot.user(s.user_id)
    await answer_until_consent(bot, user, s)
    await bot.press(user, texts(bot).get("signup_consent_yes", "en"))
    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; Co" in user.last.html  # escaped when shown
    assert "<b>Ana</b> & Co" in user.last.text
    await bot.press(user, texts(bot).get("signup_button_confirm", "en"))
    lead = await storage(bot).get_lead(s.user_id)
    assert lead is not None and lead.name == "<b>Ana</b> & Co"  # stored as given
    assert lead.university == "Universidad de Chile"
    assert bot.emulator.errors == []


async def test_a_start_month_in_the_past_or_too_far_is_refused(bot: LocalBot) -> None:
    user = bot.user(2023)
    s = Student(2023)
    t = texts(bot)
    await bot.send(user, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(user, value)
    await bot.press(user, "1|su:level:phd")
    await bot.press(user, "1|su:interests:unsure")
    await bot.press(user, "1|su:duration:2_months")
    today = datetime.now(bot.settings.tzinfo).date()
    first = form(bot).month_label(month_value(*add_months(today, 1)), "en")  # the 1st button
    last = form(bot).month_label(month_value(*add_months(today, 36)), "en")
    for typed, explained in (
        ("March 2020", t.get("signup_month_past", "en", month=first)),
        (f"{NEXT_YEAR + 10}-01", t.get("signup_month_far", "en", month=last)),
        ("sometime soon", t.get("signup_month_invalid", "en")),
    ):
        await bot.send(user, typed)
        assert user.last.html.startswith(explained)
        assert prompt(bot, "start_month") in user.last.html
    await bot.send(user, f"03/{NEXT_YEAR}")
    assert prompt(bot, "message") in user.last.html


async def test_areas_are_added_and_removed_with_a_limit(bot: LocalBot) -> None:
    user = bot.user(2024)
    s = Student(2024)
    t = texts(bot)
    await bot.send(user, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(user, value)
    await bot.press(user, "1|su:level:masters")
    await bot.press(user, t.get("signup_interests_specialties", "en"))
    specialties = next(c for c in form(bot).steps[5].categories if c.id == "specialties").items
    double_tap = [user.make_press(f"1|su:interests:add:{specialties[0]}") for _ in range(2)]
    for press in double_tap:  # two presses of the same button: chosen once
        await bot.feed(press)
    for item in specialties[1:8]:
        await bot.press(user, f"1|su:interests:add:{item}")
    await bot.press(user, f"1|su:interests:del:{specialties[1]}")
    pages = -(-len(specialties) // form(bot).page_size)
    await bot.press(user, t.get("button_page_next", "en", page=2, pages=pages))
    for item in specialties[8:12]:
        await bot.press(user, f"1|su:interests:add:{item}")
    chosen = draft_of(bot, user)["answers"]["interests"]  # type: ignore[index]
    assert len(chosen) == 10 and specialties[1] not in chosen and specialties[11] not in chosen
    assert user.answers[-1].text == t.get("signup_interests_limit", "en", limit=10)
    await bot.press(user, t.get("signup_button_categories", "en"))
    assert t.get("signup_interests_laboratories", "en") in user.last.button_labels
    await bot.press(user, t.get("signup_button_done", "en"))
    assert prompt(bot, "duration") in user.last.html


# --------------------------------------------------------------------------- cancel, consent


async def test_cancel_discards_the_draft(bot: LocalBot) -> None:
    user = bot.user(2030)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    await bot.send(user, "/cancel")
    assert user.last.html == texts(bot).get("signup_cancelled", "en")
    assert draft_of(bot, user) is None
    assert (await storage(bot).user_report(2030))["user_data"] is None
    await bot.send(user, "ana@uchile.cl")  # no longer a form answer
    assert prompt(bot, "university") not in user.last.html
    assert await storage(bot).get_lead(2030) is None


async def test_no_consent_keeps_nothing(bot: LocalBot) -> None:
    s = Student(2031)
    user = bot.user(s.user_id)
    await answer_until_consent(bot, user, s)
    await bot.press(user, texts(bot).get("signup_consent_no", "en"))
    assert user.last.html == texts(bot).get("signup_no_consent", "en")
    assert await storage(bot).get_lead(s.user_id) is None
    assert draft_of(bot, user) is None
    report = await storage(bot).user_report(s.user_id)
    assert report["user_data"] is None and report["lead"] is None


# --------------------------------------------------------------------------- questions mid-form


async def test_a_question_mid_form_is_answered_then_the_step_is_asked_again(
    bot: LocalBot,
) -> None:
    user = bot.user(2040)
    assistant = services_of(bot.app).content.assistant  # type: ignore[union-attr]
    t = texts(bot)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    await bot.send(user, "ana@uchile.cl")
    await bot.send(user, "How much are the fees?")
    assert user.messages[-2].html == assistant.answer("How much are the fees?", "en").text
    assert user.last.html.startswith(t.get("signup_back_to_form", "en"))
    assert prompt(bot, "university") in user.last.html
    await bot.send(user, "Universidad de Chile")
    await bot.send(user, "China")  # answerable, but no question: it is the country
    assert prompt(bot, "level") in user.last.html
    await bot.send(user, "Is accommodation free")  # at a button step, any answered text
    assert user.messages[-2].html == assistant.answer("Is accommodation free", "en").text
    assert prompt(bot, "level") in user.last.html
    await bot.send(user, "qwerty uiop")
    assert t.get("signup_use_buttons", "en") in user.last.html
    assert prompt(bot, "level") in user.last.html
    draft = draft_of(bot, user)
    assert draft is not None and draft["step"] == "level" and draft["answers"]["country"] == "China"
    questions = (await storage(bot).user_report(2040))["questions"]
    assert [q["text"] for q in questions] == ["How much are the fees?", "Is accommodation free"]


# --------------------------------------------------------------------------- summary


async def test_edit_a_field_returns_to_the_summary(bot: LocalBot) -> None:
    s = Student(2050)
    user = bot.user(s.user_id)
    t = texts(bot)
    await answer_until_consent(bot, user, s)
    await bot.press(user, t.get("signup_consent_yes", "en"))
    await bot.press(user, t.get("signup_button_edit", "en"))
    assert user.last.html == t.get("signup_edit_prompt", "en")
    await bot.press(user, t.get("signup_field_email", "en"))
    assert prompt(bot, "email") in user.last.html
    await bot.send(user, "wrong")
    assert t.get("signup_email_invalid", "en") in user.last.html
    await bot.send(user, "ana@uc.cl")
    assert user.last.html.startswith(t.get("signup_summary", "en", details="").split("\n")[0])
    assert "ana@uc.cl" in user.last.html and s.email not in user.last.html
    await bot.press(user, t.get("signup_button_edit", "en"))
    await bot.press(user, t.get("signup_field_interests", "en"))
    await bot.press(user, t.get("signup_interests_laboratories", "en"))
    await bot.press(user, "1|su:interests:add:ultrasonic-medicine")
    await bot.press(user, t.get("signup_button_done", "en"))
    assert form(bot).kb.items["ultrasonic-medicine"].label("en") in user.last.html
    await bot.press(user, t.get("signup_button_confirm", "en"))
    lead = await storage(bot).get_lead(s.user_id)
    assert lead is not None and lead.email == "ana@uc.cl"
    assert lead.interests == ("pediatrics", "neurology", "ultrasonic-medicine")


async def test_signing_up_again_updates_the_lead_and_says_so(bot: LocalBot) -> None:
    s = Student(2051)
    user = bot.user(s.user_id)
    t = texts(bot)
    await sign_up(bot, user, s)
    first = await storage(bot).get_lead(s.user_id)
    await bot.send(user, "/signup")
    assert t.get("signup_existing", "en") in user.last.html
    again = replace(s, university="Sorbonne Université", country="France", duration="6_months")
    await sign_up(bot, user, again)
    assert user.last.html == t.get("signup_updated", "en", name=s.name, email=s.email)
    lead = await storage(bot).get_lead(s.user_id)
    assert stored(lead) == expected_lead(again)
    assert first is not None and lead is not None and lead.created_at == first.created_at
    assert len(await storage(bot).list_leads()) == 1


# --------------------------------------------------------------------------- restarts, repeats


@pytest.mark.smoke
async def test_a_form_interrupted_by_a_restart_continues_at_the_same_step(
    bot: LocalBot,
) -> None:
    s = Student(2060)
    user = bot.user(s.user_id)
    t = texts(bot)
    await bot.send(user, "/signup")
    await bot.send(user, s.name)
    await bot.send(user, s.email)
    await start(bot)  # restart
    await bot.send(user, s.university)
    assert prompt(bot, "country") in user.last.html
    await bot.send(user, s.country)
    await bot.press(user, "1|su:level:phd")
    await bot.press(user, t.get("signup_interests_disciplines", "en"))
    await bot.press(user, "1|su:interests:add:pediatrics")
    await start(bot)  # restart in the middle of choosing areas
    await bot.press(user, "1|su:interests:add:neurology")
    assert "✓ " + form(bot).kb.title("pediatrics", "en") in user.last.button_labels
    await bot.press(user, t.get("signup_button_done", "en"))
    await bot.press(user, "1|su:duration:3_months")
    await bot.send(user, TYPED_MARCH["en"])
    await bot.send(user, s.message or "")
    await bot.press(user, t.get("signup_consent_yes", "en"))
    await start(bot)  # restart at the summary
    await bot.press(user, t.get("signup_button_confirm", "en"))
    assert stored(await storage(bot).get_lead(s.user_id)) == expected_lead(s)


async def test_a_draft_without_its_conversation_row_still_continues(bot: LocalBot) -> None:
    """Killed between the draft's commit and the conversation's: the draft wins."""
    user = bot.user(2061)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    await storage(bot).save_conversation("signup", [2061, 2061], None)
    await start(bot)
    await bot.send(user, "ana@uchile.cl")
    assert prompt(bot, "university") in user.last.html


async def test_repeated_updates_are_tolerated(bot: LocalBot) -> None:
    user = bot.user(2062)
    t = texts(bot)
    await bot.send(user, "/signup")
    await bot.send(user, "Ana Lopez")
    email = user.make_message("ana@uchile.cl")
    await bot.feed(email)
    await bot.feed(email)  # re-delivered after a restart: ignored
    assert len([m for m in user.messages if prompt(bot, "university") in m.html]) == 1
    # Typed again before the next question arrived: the question is asked again.
    draft = draft_of(bot, user)
    assert draft is not None
    draft["shown"] = None  # as after a kill between the commit and the reply
    await bot.send(user, "ana@uchile.cl")
    assert prompt(bot, "university") in user.last.html
    assert "university" not in draft["answers"]
    await bot.send(user, "Universidad de Chile")
    await bot.send(user, "Chile")
    press = user.make_press("1|su:level:phd")
    await bot.feed(press)
    await bot.feed(press)
    await bot.press(user, "1|su:level:masters")  # an earlier question's button
    assert user.answers[-1].text == t.get("signup_stale", "en")
    assert prompt(bot, "interests") in user.last.html
    assert draft_of(bot, user)["answers"]["level"] == "phd"  # type: ignore[index]


async def test_a_form_button_after_the_form_ended(bot: LocalBot) -> None:
    s = Student(2063)
    user = bot.user(s.user_id)
    await sign_up(bot, user, s)
    await bot.press(user, "1|su:summary:confirm")
    assert user.last.html == texts(bot).get("signup_already_saved", "en")
    await bot.press(user, "1|su:summary:edit")
    assert user.answers[-1].text == texts(bot).get("signup_closed", "en")
    assert len(await storage(bot).list_leads()) == 1


# --------------------------------------------------------------------------- concurrency


async def test_ten_students_signing_up_at_the_same_time(bot: LocalBot) -> None:
    langs = ("en", "zh", "fr")
    students = [
        Student(
            3000 + n,
            lang=langs[n % 3],
            name=f"Student {n}",
            email=f"student{n}@uni{n}.edu",
            university=f"University {n}",
            country=f"Country {n}",
            level=("masters", "phd", "visiting_scholar", "other")[n % 4],
            areas=(("pediatrics",), ("neurology", "infectious-disease"), ())[n % 3],
            duration=("4_weeks", "2_months", "6_months")[n % 3],
            start=("typed", "button")[n % 2],
            message=None if n % 2 else f"Message from student {n}",
        )
        for n in range(10)
    ]
    users = [bot.user(s.user_id, s.lang) for s in students]

    async def one(user: SimUser, s: Student) -> None:
        if not s.areas:
            await answer_until_unsure(bot, user, s)
        else:
            await sign_up(bot, user, s)

    await asyncio.gather(*(one(u, s) for u, s in zip(users, students, strict=True)))
    leads = {lead.user_id: lead for lead in await storage(bot).list_leads()}
    assert len(leads) == 10
    for s in students:
        assert stored(leads[s.user_id]) == expected_lead(s)
    assert bot.emulator.errors == []


async def answer_until_unsure(bot: LocalBot, user: SimUser, s: Student) -> None:
    """Like sign_up, choosing "not sure yet" for the areas."""
    t, lang = texts(bot), s.lang
    await bot.send(user, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(user, value)
    await bot.press(user, t.get(f"signup_level_{s.level}", lang))
    await bot.press(user, t.get("signup_button_not_sure", lang))
    await bot.press(user, t.get(f"signup_duration_{s.duration}", lang))
    await bot.press(user, f"1|su:start_month:{s.start_month}")
    if s.message is None:
        await bot.press(user, t.get("signup_button_skip", lang))
    else:
        await bot.send(user, s.message)
    await bot.press(user, t.get("signup_consent_yes", lang))
    await bot.press(user, t.get("signup_button_confirm", lang))


# --------------------------------------------------------------------------- a form left half-done


async def test_after_a_restart_a_message_that_fits_no_step_gets_a_reminder(bot: LocalBot) -> None:
    s = Student(2070)
    user = bot.user(s.user_id)
    t = texts(bot)
    await bot.send(user, "/signup")
    await bot.send(user, s.name)
    assert prompt(bot, "email") in user.last.html
    await start(bot)  # restart with the form stopped at the e-mail step
    await bot.send(user, "Italy")
    assert t.get("signup_reminder", "en") in user.last.html
    assert t.get("signup_email_invalid", "en") not in user.last.html
    assert t.get("signup_button_continue", "en") in user.last.button_labels
    await bot.press(user, t.get("signup_button_continue", "en"))
    assert prompt(bot, "email") in user.last.html
    await bot.send(user, "Italy")  # shown again after the restart: the usual explanation
    assert t.get("signup_email_invalid", "en") in user.last.html
    await start(bot)
    await bot.send(user, s.email)  # an answer that fits is taken as before
    assert prompt(bot, "university") in user.last.html
    other = bot.user(2073)
    await bot.send(other, "/signup")
    await bot.send(other, "Ana Lopez")
    await start(bot)
    await bot.send(other, "Italy")  # the reminder, then Cancel
    await bot.press(other, t.get("signup_button_cancel", "en"))
    assert t.get("signup_cancelled", "en") in other.last.html
    assert draft_of(bot, other) is None


async def test_start_and_the_main_menu_mention_an_unfinished_form(bot: LocalBot) -> None:
    user = bot.user(2071)
    t = texts(bot)
    await bot.send(user, "/signup")
    await bot.send(user, "/start")
    assert t.get("signup_unfinished", "en") in user.last.html
    await bot.send(user, "/cancel")
    await bot.send(user, "/start")
    assert t.get("signup_unfinished", "en") not in user.last.html


async def test_the_form_runs_in_the_language_of_the_message_that_started_it(
    bot: LocalBot,
) -> None:
    user = bot.user(2072, language_code="en")
    await bot.send(user, "Je voudrais postuler")
    assert prompt(bot, "name", "fr") in user.last.html
    await bot.send(user, "c'est quoi la durée ?")  # a question mid-form: answered in French
    assert "4 semaines" in " ".join(m.html for m in user.history[-3:])
    assert prompt(bot, "name", "fr") in user.last.html
