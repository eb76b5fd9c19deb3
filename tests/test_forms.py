"""conversations/signup.yaml loaded into typed objects, its checks, and the answer logic."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.form_answers import clean, valid_email
from bot.content.forms import SUMMARY, Form, add_months, month_value
from bot.content.knowledge import KnowledgeError
from bot.content.texts import Texts
from bot.settings import Settings
from bot.storage import FORM_FIELDS, REQUIRED_FORM_FIELDS
from bot.telegram.application import build_application
from bot.understanding.answers import Assistant
from tests.auxil.paths import CONVERSATIONS

SIGNUP = CONVERSATIONS / "signup.yaml"
LEAD = {"fields": FORM_FIELDS, "required": REQUIRED_FORM_FIELDS}


@pytest.fixture(scope="module")
def form(assistant: Assistant) -> Form:
    return Form.load(SIGNUP, assistant.kb, assistant.texts, **LEAD)


# --------------------------------------------------------------------------- the real file


def test_the_form_of_the_issue(form: Form, assistant: Assistant) -> None:
    assert [(s.id, s.kind) for s in form.steps] == [
        ("name", "text"),
        ("email", "email"),
        ("university", "text"),
        ("country", "text"),
        ("level", "choice"),
        ("interests", "areas"),
        ("duration", "choice"),
        ("start_month", "month"),
        ("message", "text"),
        ("consent", "consent"),
    ]
    level = form.step("level")
    assert level is not None and level.choices == ("masters", "phd", "visiting_scholar", "other")
    areas = form.step("interests")
    assert areas is not None
    assert [c.id for c in areas.categories] == ["disciplines", "laboratories", "specialties"]
    for category in areas.categories:
        assert category.items and all(i in assistant.kb.items for i in category.items)
        assert len(set(category.items)) == len(category.items)
    message = form.step("message")
    assert message is not None and message.optional and message.max_length == 1000
    assert form.after("name") == "email" and form.after("consent") == SUMMARY
    assert [s.id for s in form.fields][-1] == "message"


def test_callback_data_of_every_button_fits_telegram(form: Form) -> None:
    areas = form.step("interests")
    assert areas is not None
    longest = max(len(i) for c in areas.categories for i in c.items)
    assert len(f"1|su:interests:add:{'x' * longest}".encode()) <= 64


# --------------------------------------------------------------------------- broken files


def broken_copy(
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
) -> Path:
    """A copy of conversations/ whose signup.yaml is changed by ``change``."""
    directory = tmp_path / "conversations"
    shutil.copytree(CONVERSATIONS, directory)
    data = yaml.safe_load(SIGNUP.read_text(encoding="utf-8"))
    change(data)
    (directory / "signup.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return directory


def step(data: dict[str, Any], step_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["form"]["steps"] if s["id"] == step_id)
    return found


def drop_consent(data: dict[str, Any]) -> None:
    data["form"]["steps"] = data["form"]["steps"][:-1]


def set_key(step_id: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        step(data, step_id)[key] = value

    return change


def set_text(key: str, lang: str, value: str | None) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if value is None:
            del data["texts"][key][lang]
        else:
            data["texts"][key][lang] = value

    return change


def set_all(key: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["texts"][key] = {"en": value, "zh": value, "fr": value}

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (set_key("level", "kind", "dropdown"), "signup.yaml: step 'level': 'kind' must be one of"),
        (
            set_key("level", "choices", ["masters", "phd", "postdoc"]),
            "signup.yaml: step 'level': text 'signup_level_postdoc': missing",
        ),
        (set_key("name", "max_length", 0), "signup.yaml: step 'name': 'max_length' must be"),
        (set_key("email", "kind", "text"), "signup.yaml: step 'email': this field must be of kind"),
        (set_key("email", "optional", True), "signup.yaml: step 'email': unknown field(s)"),
        (set_key("name", "colour", "red"), "signup.yaml: step 'name': unknown field(s)"),
        (
            set_key("interests", "categories", {"disciplines": ["fees"]}),
            "signup.yaml: step 'interests': category 'disciplines': 'fees' is not",
        ),
        (set_key("duration", "id", "length"), "signup.yaml: step 'length': the id must be"),
        (drop_consent, "signup.yaml: the last step, and only it, must be of kind 'consent'"),
        (
            set_all("signup_consent_prompt", "May we store this?"),
            "signup.yaml: step 'consent': text 'signup_consent_prompt': placeholders",
        ),
    ],
)
def test_a_bad_form_fails_naming_file_and_step(
    tmp_path: Path,
    assistant: Assistant,
    change: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    directory = broken_copy(tmp_path, change)
    texts = Texts.load(directory)
    with pytest.raises(KnowledgeError) as caught:
        Form.load(directory / "signup.yaml", assistant.kb, texts, **LEAD)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_a_text_missing_a_language_fails_at_boot(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, set_text("signup_name_prompt", "zh", None))
    settings = replace(Settings(), data_dir=tmp_path / "data", conversations_dir=directory)
    with pytest.raises(KnowledgeError, match=r"signup\.yaml: text 'signup_name_prompt' needs"):
        build_application(settings)


def test_a_bad_step_fails_at_boot(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, set_key("duration", "columns", 9))
    settings = replace(Settings(), data_dir=tmp_path / "data", conversations_dir=directory)
    with pytest.raises(KnowledgeError, match=r"signup\.yaml: step 'duration': 'columns'"):
        build_application(settings)


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("2027-03", (2027, 3)),
        ("2027/3", (2027, 3)),
        ("03/2027", (2027, 3)),
        ("3.2027", (2027, 3)),
        ("March 2027", (2027, 3)),
        ("mar 2027", (2027, 3)),
        ("mars 2027", (2027, 3)),
        ("2027年3月", (2027, 3)),
        ("2027 年 03 月", (2027, 3)),
        ("Sept. 2027", (2027, 9)),
        ("août 2027", (2027, 8)),
        ("aout 2027", (2027, 8)),
        ("Février 2028", (2028, 2)),
        ("2027 June", (2027, 6)),
        ("juin 2027", (2027, 6)),
        ("juil 2027", (2027, 7)),
        ("13/2027", None),
        ("ju 2027", None),
        ("next spring", None),
        ("2027", None),
    ],
)
def test_typed_months(form: Form, typed: str, month: tuple[int, int] | None) -> None:
    assert form.parse_month(typed) == month


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("name@university.edu", True),
        ("ana.lopez+cqmu@uchile.cl", True),
        ("o'brien@example.ie", True),
        ("张伟@例子.中国", True),
        ("ana@", False),
        ("ana.lopez", False),
        ("ana lopez@uchile.cl", False),
        ("ana@@uchile.cl", False),
        ("ana@uchile", False),
        (".ana@uchile.cl", False),
        ("ana..lopez@uchile.cl", False),
        ("a" * 250 + "@x.com", False),
    ],
)
def test_email_addresses(address: str, valid: bool) -> None:
    assert valid_email(address) is valid


def test_cleaning_strips_control_characters_and_keeps_markup() -> None:
    assert clean("  Ana\x00  Maria\x07 \u202eLopez\t ") == "Ana Maria Lopez"
    assert clean("<b>Ana</b> & Co") == "<b>Ana</b> & Co"
    assert clean("line one\r\nline two") == "line one line two"
    assert clean("one\n\n\n\ntwo\r\n  three ", multiline=True) == "one\n\ntwo\nthree"
    assert clean("\x00\x01 \n") == ""


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("How much are the fees?", True),
        ("is housing free", True),
        ("what's the deadline", True),
        ("住宿免费吗", True),
        ("请问学费多少", True),
        ("combien coûte le logement", True),
        ("Où habiter", True),
        ("Isabelle Martin", False),
        ("Quentin Dubois", False),
        ("Universidad de Chile", False),
        ("北京大学", False),
    ],
)
def test_what_looks_like_a_question(form: Form, text: str, question: bool) -> None:
    assert form.looks_like_question(text) is question


def test_months_and_values_render_in_each_language(form: Form) -> None:
    assert form.month_label("2027-03", "en") == "March 2027"
    assert form.month_label("2027-03", "fr") == "mars 2027"
    assert form.month_label("2027-03", "zh") == "2027年3月"
    assert add_months(date(2026, 11, 22), 2) == (2027, 1)
    assert month_value(2027, 1) == "2027-01"
    areas = form.step("interests")
    assert areas is not None
    assert form.value_html(areas, [], "en") == "not sure yet"
    assert "Pédiatrie" in form.value_html(areas, ["pediatrics"], "fr")
    name = form.step("name")
    assert name is not None and form.value_html(name, "<Ana>", "en") == "&lt;Ana&gt;"
