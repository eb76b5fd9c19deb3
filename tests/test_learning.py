"""Coordinators keep the bot learning: /unanswered, adding examples, /reload — end to end, as
a student and a coordinator see it (in process and polling the emulator over HTTP)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.content.learned import FILE_NAME
from bot.telegram.context import services_of
from telegram_emulator import SimUser
from tests.auxil.harness import BotSpec, LocalBot, start

pytestmark = pytest.mark.asyncio

COORDINATOR, STUDENT = 777, 1001
# The main paths run on both transports; the rest in process only (the same handlers).
IN_PROCESS = pytest.mark.parametrize("transport", ["in-process"])
POOL = (
    "Is there a swimming pool on campus?",
    "does CQMU have a swimming pool",
    "can I use the swiming pool at the university? <pool & gym>",
)
POOL_LANGUAGES = (
    "Is there a swimming pool on campus?",
    "学校有游泳池吗",
    "y a-t-il une piscine sur le campus ?",
)


@pytest.fixture
def bot_spec() -> BotSpec:
    """The bot with a coordinator, over copies of knowledge/ and conversations/ it may break
    (in ``tmp_path``, the data in ``tmp_path/data``)."""
    return BotSpec(
        settings={"coordinator_ids": frozenset({COORDINATOR})},
        own_content=True,
        no_rejected_calls=True,
    )


def intent_of(bot: LocalBot, text: str) -> str | None:
    """What the running bot's assistant answers ``text`` with."""
    assert bot.app is not None
    return services_of(bot.app).content.assistant.answer(text).intent


async def forge(bot: LocalBot, user: SimUser, data: str) -> None:
    """Press a button of the user's latest keyboard, with its callback data replaced."""
    update = user.make_press(user.messages[-1].buttons[0][0][1])
    update["callback_query"]["data"] = data
    await bot.feed(update)


async def test_unanswered_questions_become_examples_at_once_and_after_a_restart(
    bot: LocalBot, tmp_path: Path
) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    for question in POOL:
        await bot.send(student, question)
        assert "Sorry" in student.last.text or "Did you mean" in student.last.text
    await bot.send(student, "what are the fees?")  # answered: not in the review
    await bot.send(coordinator, "/unanswered")
    shown = coordinator.last
    assert "group 1 of 1" in shown.text
    assert "Asked 3 times" in shown.text
    for question in POOL:
        assert question.replace("  ", " ") in shown.text  # escaped on the way, shown as typed
    labels = shown.button_labels
    add = [label for label in labels if label.startswith("➕ Add as example of ")]
    assert 1 <= len(add) <= 3 and "🙈 Ignore" in labels
    target = "➕ Add as example of Housing"
    assert target in add

    await bot.press(coordinator, target)
    assert "3 phrasings added as examples of" in coordinator.last.text
    assert "Every group of this list has been handled" in coordinator.last.text
    await bot.send(student, POOL[0])
    assert "free accommodation at CQMU" in student.last.text
    assert intent_of(bot, POOL[0]) == "housing"

    learned = yaml.safe_load((tmp_path / "data" / FILE_NAME).read_text(encoding="utf-8"))
    texts = [" ".join(q.split()) for q in POOL]
    assert learned["examples"] == {"housing": {"en": texts}}
    # each copied text with the id of its question (deleted with it), never who asked
    assert sorted(learned["questions"]) == sorted(texts)
    assert str(STUDENT) not in (tmp_path / "data" / FILE_NAME).read_text(encoding="utf-8")

    await start(bot)  # a restart: the learned examples are loaded with the knowledge base
    assert intent_of(bot, POOL[1]) == "housing"
    await bot.send(student, POOL[1])
    assert "free accommodation at CQMU" in student.last.text
    await bot.send(coordinator, "/unanswered")
    assert "No unanswered questions in the last 30 days" in coordinator.last.text


@IN_PROCESS
async def test_one_question_asked_in_three_languages_is_one_group_with_the_encoder(
    bot: LocalBot,
) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    for question in (*POOL_LANGUAGES, "can I bring my dog?"):
        await bot.send(student, question)
    await bot.send(coordinator, "/unanswered")
    shown = coordinator.last.text
    assert "group 1 of 2" in shown and "Asked 3 times" in shown
    assert all(question in shown for question in POOL_LANGUAGES)  # a sample in each language

    bot.settings = replace(bot.settings, semantic=False)  # BOT_SEMANTIC=off: words only
    await bot.restart()
    assert bot.app is not None and services_of(bot.app).content.assistant.matcher.encoder is None
    await bot.send(coordinator, "/unanswered")
    assert "group 1 of 4" in coordinator.last.text
    assert "Asked 1 time," in coordinator.last.text


@IN_PROCESS
async def test_ignore_removes_the_group_without_learning(bot: LocalBot, tmp_path: Path) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "can I bring my dog")
    await bot.send(student, "is there a gym on campus")
    await bot.send(coordinator, "/unanswered 7")
    assert "group 1 of 2" in coordinator.last.text
    await bot.press(coordinator, "2/2 ▶️")
    assert "group 2 of 2" in coordinator.last.text
    await bot.press(coordinator, "🙈 Ignore")
    assert "1 question ignored" in coordinator.last.text
    assert "group 1 of 1" in coordinator.last.text
    await bot.press(coordinator, "🙈 Ignore")
    assert "Every group of this list has been handled" in coordinator.last.text
    assert not (tmp_path / "data" / FILE_NAME).exists()
    await bot.send(coordinator, "/unanswered")
    assert "No unanswered questions" in coordinator.last.text


@IN_PROCESS
async def test_a_handled_group_button_pressed_again_says_so(bot: LocalBot) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "can I bring my dog")
    await bot.send(coordinator, "/unanswered")
    press, again = coordinator.make_press("🙈 Ignore"), coordinator.make_press("🙈 Ignore")
    await bot.feed(press)
    await bot.feed(again)  # a double tap, or the same list in another coordinator's chat
    assert "already been handled" in coordinator.last.text


@IN_PROCESS
async def test_unanswered_days_must_be_a_number_in_range(bot: LocalBot) -> None:
    coordinator = bot.user(COORDINATOR, name="Coord")
    for wrong in ("/unanswered abc", "/unanswered 0", "/unanswered 400", "/unanswered 1 2"):
        await bot.send(coordinator, wrong)
        assert "Usage" in coordinator.last.text


@IN_PROCESS
async def test_students_do_not_have_these_commands_or_buttons(bot: LocalBot) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "can I bring my dog")
    await bot.send(student, "/unknowncommand")
    unknown = student.last.text
    for command in ("/unanswered", "/unanswered 7", "/reload"):
        await bot.send(student, command)
        assert student.last.text == unknown
    await bot.send(coordinator, "/unanswered")
    data = [d for row in coordinator.last.buttons for _, d in row]
    assert any("|un:ign:" in d for d in data)
    await bot.send(student, "/menu")
    for forged in (*data, "1|un:add:1:0", "1|un:ign:1", "1|un:pg:1:0"):
        await forge(bot, student, forged)
        assert "no longer valid" in student.last.text  # the stale-button answer
    await bot.send(coordinator, "/unanswered")
    assert "group 1 of 1" in coordinator.last.text  # nothing was ignored or learned


async def test_reload_reports_a_broken_file_and_keeps_answering(
    bot: LocalBot, tmp_path: Path
) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    programme = tmp_path / "knowledge" / "programme.yaml"
    good = programme.read_text(encoding="utf-8")
    programme.write_text(good.replace("id: housing", "id: Housing!", 1), encoding="utf-8")
    await bot.send(coordinator, "/reload")
    report = coordinator.last.text
    assert "Nothing was reloaded" in report
    assert "programme.yaml: entry 'Housing!': id must be kebab-case" in report
    await bot.send(student, "where will I live?")
    assert intent_of(bot, "where will I live?") == "housing"
    assert "free accommodation at CQMU" in student.last.text

    programme.write_text(good.replace("examples:\n", "examples:\n  ", 1), encoding="utf-8")
    await bot.send(coordinator, "/reload")
    assert "programme.yaml" in coordinator.last.text and "invalid YAML" in coordinator.last.text

    programme.write_text(good, encoding="utf-8")
    await bot.send(coordinator, "/reload")
    assert coordinator.last.text.startswith("✅ Reloaded:")


@IN_PROCESS
async def test_reload_refuses_html_telegram_would_refuse_as_kb_check_does(
    bot: LocalBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "where will I live?")
    before = student.last.text
    programme = tmp_path / "knowledge" / "programme.yaml"
    good = programme.read_text(encoding="utf-8")
    broken = good.replace("<b>free accommodation at CQMU</b>", "<b>free accommodation", 1)
    broken = broken.replace("<b>住宿</b>", "<div>住宿</div>", 1)
    programme.write_text(broken, encoding="utf-8")

    await bot.send(coordinator, "/reload")
    report = coordinator.last.text
    assert "Nothing was reloaded" in report
    problems = [line.removeprefix("• ") for line in report.splitlines() if line.startswith("• ")]
    where = "programme.yaml: entry 'housing': answer"
    assert len(problems) == 2
    assert problems[0].startswith(f"{where}.en: not valid Telegram HTML: ")
    assert 'end tag corresponding to start tag "b"' in problems[0]
    assert problems[1].startswith(
        f'{where}.zh: not valid Telegram HTML: Unsupported start tag "div"'
    )
    await bot.send(student, "where will I live?")  # the running answers are unchanged
    assert student.last.text == before

    for name, folder in (("KNOWLEDGE", "knowledge"), ("CONVERSATIONS", "conversations")):
        monkeypatch.setenv(f"BOT_{name}_DIR", str(tmp_path / folder))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["kb", "check"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {problems[0]}", problems[1]]


@IN_PROCESS
async def test_reload_applies_a_change_and_never_interrupts_a_form(
    bot: LocalBot, tmp_path: Path
) -> None:
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "/signup")
    await bot.send(student, "Ana Lima")
    assert "e-mail" in student.last.text.lower()
    programme = tmp_path / "knowledge" / "programme.yaml"
    text = programme.read_text(encoding="utf-8")
    programme.write_text(text.replace("en: [", "en: [is there a sauna nearby, ", 1), "utf-8")
    await bot.send(coordinator, "/reload")
    assert coordinator.last.text.startswith("✅ Reloaded:")
    assert intent_of(bot, "is there a sauna nearby") == "programme-overview"
    await bot.send(student, "ana@example.org")  # the form goes on at the step it was at
    assert "university" in student.last.text.lower()

    signup = tmp_path / "conversations" / "signup.yaml"
    original = signup.read_text(encoding="utf-8")
    form = yaml.safe_load(original)
    steps = form["form"]["steps"]
    steps[0], steps[1] = steps[1], steps[0]  # the same steps in another order
    signup.write_text(yaml.safe_dump(form, allow_unicode=True), encoding="utf-8")
    await bot.send(coordinator, "/reload")
    assert "signup.yaml: the form's steps changed" in coordinator.last.text
    fewer = original.replace("masters, phd, visiting_scholar, other", "masters, phd, other")
    signup.write_text(fewer, encoding="utf-8")
    await bot.send(coordinator, "/reload")
    assert "step 'level': choices removed (visiting_scholar)" in coordinator.last.text
    await bot.send(student, "Lyon University")  # the running version carries on
    assert "country" in student.last.text.lower()


@IN_PROCESS
async def test_reload_rereads_the_group_settings(bot: LocalBot, tmp_path: Path) -> None:
    """conversations/groups.yaml is re-read by /reload like the rest of conversations/: the
    next inline query is answered with the new cache time."""
    bot.emulator.inline_mode = True
    student, coordinator = bot.user(STUDENT), bot.user(COORDINATOR, name="Coord")
    await bot.feed(student.make_inline_query("is housing free", "private"))
    assert student.inline_results.cache_time == 300
    groups = tmp_path / "conversations" / "groups.yaml"
    text = groups.read_text(encoding="utf-8")
    groups.write_text(text.replace("cache_time: 300", "cache_time: 45", 1), "utf-8")
    await bot.send(coordinator, "/reload")
    assert coordinator.last.text.startswith("✅ Reloaded:")
    await bot.feed(student.make_inline_query("is housing free", "private"))
    assert student.inline_results.cache_time == 45
