"""The Telegram bot end to end, as students use it: the real application on the emulator."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path

import pytest
import yaml

from bot.telegram.context import services_of
from bot.telegram.flood import FloodGuard
from telegram_emulator import SimUser
from tests.auxil.harness import BotSpec, LocalBot
from tests.auxil.paths import KNOWLEDGE

pytestmark = pytest.mark.asyncio

COORDINATOR = 777


@pytest.fixture
def bot_spec() -> BotSpec:
    """The bot with a coordinator and the production flood guard; no call Telegram would
    reject."""
    return BotSpec(
        settings={"coordinator_ids": frozenset({COORDINATOR})},
        relaxed_flood=False,
        no_rejected_calls=True,
    )


async def press_data(bot: LocalBot, student: SimUser, data: str) -> None:
    """Press a button with this callback data on the student's latest keyboard."""
    assert student.messages[-1].buttons, f"no buttons after {data}: {student.messages[-1].text}"
    update = student.make_press(student.messages[-1].buttons[0][0][1])
    update["callback_query"]["data"] = data
    await bot.feed(update)


@pytest.mark.smoke
async def test_start_welcomes_in_telegram_language_with_main_menu(bot: LocalBot) -> None:
    student = bot.user(language_code="fr")
    await bot.send(student, "/start")
    welcome, menu = student.messages[-2:]
    assert "Bonjour Ana" in welcome.text
    assert "Menu principal" in menu.text
    assert "🎓 Disciplines" in menu.button_labels
    assert "✍️ S'inscrire" in menu.button_labels


async def test_start_defaults_to_english_for_other_languages(bot: LocalBot) -> None:
    student = bot.user(language_code="de")
    await bot.send(student, "/start")
    assert "Hello Ana" in student.messages[-2].text


async def test_deep_link_opens_the_topic(bot: LocalBot) -> None:
    student = bot.user(language_code="zh-hans")
    await bot.send(student, "/start fees")
    assert "免除" in student.last.text or "免" in student.last.text
    assert "⬅️ 返回" in student.last.button_labels
    await bot.send(student, "/start disciplines")
    assert "学科" in student.last.text
    await bot.send(student, "/start no-such-topic")
    assert "您好" in student.messages[-2].text


async def test_every_menu_path_works_and_reaches_every_entry_in_three_taps(bot: LocalBot) -> None:
    """Breadth-first through every button from /menu: each press gets a valid screen."""
    assert bot.app is not None
    services_of(bot.app).flood = FloodGuard(limit=100_000)  # a crawler taps faster than people
    student = bot.user()
    await bot.send(student, "/menu")
    kb = services_of(bot.app).content.assistant.kb
    seen_topics: dict[str, int] = {}
    queue = deque([("1|menu:main", 0)])
    visited = {"1|menu:main"}
    while queue:
        data, taps = queue.popleft()
        await press_data(bot, student, data)
        screen = student.last
        assert screen.text
        for row in screen.buttons:
            for _, next_data in row:
                kind = next_data.split("|")[1].split(":")[0]
                if kind == "topic":
                    topic = next_data.split(":", 1)[1]
                    seen_topics.setdefault(topic, taps + 1)
                if next_data not in visited and kind in {"menu", "items", "topic"}:
                    visited.add(next_data)
                    queue.append((next_data, taps + 1))
    unlisted = {"greeting", "thanks", "bot-help", "signup", "talk-to-coordinator"}
    for entry_id in set(kb.entries) - unlisted:
        assert seen_topics.get(entry_id, 99) <= 3, f"{entry_id} needs more than 3 taps"
    assert set(kb.items) <= set(seen_topics), "every named item can be browsed"


async def test_back_from_an_item_returns_to_its_page(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "/menu")
    await bot.press(student, "🏥 Hospital specialties")
    await bot.press(student, "📋 Browse one by one")
    assert "Next ▶️ 2/3" in student.last.button_labels
    await bot.press(student, "Next ▶️ 2/3")
    await bot.press(student, "Ophthalmology")
    assert "Ophthalmology" in student.last.text
    await bot.press(student, "⬅️ Back")
    assert "Ophthalmology" in student.last.button_labels
    assert student.last.text.startswith("Hospital specialties")


@pytest.mark.smoke
async def test_free_text_questions_in_three_languages(bot: LocalBot) -> None:
    student = bot.user(language_code="en")
    await bot.send(student, "is the programme free? what do I pay?")
    assert "waived" in student.last.text
    assert "🏠 Main menu" in student.last.button_labels
    await bot.send(student, "住宿免费吗？")
    assert "Dartmouth" in student.last.text and "免费" in student.last.text
    await bot.send(student, "combien de temps dure l'échange ?")
    assert "4 semaines" in student.last.text


async def test_named_item_question_names_it(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "can I do cardiology?")
    assert "Cardiovascular Medicine" in student.last.text
    assert "Hospital specialties" in student.last.button_labels


async def test_off_topic_gets_the_fallback(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "tell me a joke")
    assert "couldn't find" in student.last.text
    assert student.last.button_labels == ["💬 Ask a coordinator", "✍️ Sign up", "🏠 Main menu"]


async def test_did_you_mean_offers_suggestions_as_buttons(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    matching = yaml.safe_load((knowledge / "matching.yaml").read_text())
    matching["thresholds"].update(suggest=0.01, min_coverage=2)  # nothing is sure enough
    matching["semantic"]["accept"] = 2  # neither by meaning
    (knowledge / "matching.yaml").write_text(yaml.safe_dump(matching, allow_unicode=True))
    data = tmp_path / "data"
    coordinators = frozenset({COORDINATOR})
    async with LocalBot(data, knowledge_dir=knowledge, coordinator_ids=coordinators) as local:
        student = local.user()
        await local.send(student, "housing")
        assert "Did you mean" in student.last.text
        labels = student.last.button_labels
        assert labels[0] == "Housing" and len(labels) <= 5
        assert labels[-2:] == ["💬 Ask a coordinator", "🏠 Main menu"]
        await local.press(student, "Housing")
        assert "Dartmouth" in student.last.text


@pytest.mark.smoke
async def test_language_choice_is_used_and_survives_a_restart(bot: LocalBot) -> None:
    student = bot.user(language_code="en")
    await bot.send(student, "/language")
    await bot.press(student, "中文")
    assert "中文" in student.last.text
    assert ("signup", "登记交流意向") in student.commands
    await bot.restart()
    await bot.send(student, "how long is the exchange?")
    assert "4周" in student.last.text
    await bot.send(student, "/help")
    assert "使用说明" in student.last.text


@pytest.mark.smoke
async def test_stale_buttons_get_a_polite_answer_and_the_menu(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "/menu")
    for stale in ("0|topic:fees", "1|topic:no-longer-there", "1|menu:gone", "garbage"):
        await press_data(bot, student, stale)
        assert "no longer valid" in student.last.text
        assert "🎓 Disciplines" in student.last.button_labels


async def test_pressing_the_same_button_twice_is_harmless(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "/menu")
    await bot.press(student, "🎓 Disciplines")
    first = student.last.text
    await bot.press(student, "⬅️ Back")
    tap, double_tap = student.make_press("🎓 Disciplines"), student.make_press("🎓 Disciplines")
    await bot.feed(tap)
    await bot.feed(double_tap)  # its message snapshot is stale: Telegram refuses the edit
    assert student.last.text == first
    assert all(query.answered for query in student.answers)
    refused = [str(e.error) for e in bot.emulator.errors]
    assert refused and all("message is not modified" in d for d in refused)
    bot.emulator.requests.clear()  # the refusal was expected and handled


async def test_unknown_commands_and_non_text(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "/export")
    assert "don't know that command" in student.last.text
    update = student.make_message("x")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await bot.feed(update)
    assert "only read text" in student.last.text


async def test_overlong_question_is_refused_politely(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "fees " * 400)
    assert "too long" in student.last.text


async def test_message_flood_is_warned_once_and_every_message_answered(bot: LocalBot) -> None:
    student = bot.user()
    for _ in range(20):
        await bot.send(student, "fees")
    texts = [m.text for m in student.messages]
    assert sum("very fast" in t for t in texts) == 1
    assert sum("waived" in t for t in texts) == 20, "nothing a student writes is lost"


@pytest.mark.smoke
async def test_handoff_to_a_coordinator_and_back(bot: LocalBot) -> None:
    student = bot.user(1001, language_code="fr")
    coordinator = bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "/menu")
    await bot.press(student, "💬 Demander à un coordinateur")
    assert "Écrivez" in student.last.text
    await bot.send(student, "Puis-je venir en janvier ?")
    assert "transmise" in student.last.text
    forwarded = coordinator.last
    assert "Puis-je venir en janvier ?" in forwarded.text and "Français" in forwarded.text
    await bot.feed(
        coordinator.make_message("Oui, janvier convient.", reply_to=forwarded.message_id)
    )
    assert "Oui, janvier convient." in student.last.text
    assert "Réponse d'un coordinateur" in student.last.text
    assert "Sent to Ana" in coordinator.last.text


async def test_without_coordinators_no_button_leads_to_one(tmp_path: Path) -> None:
    async with LocalBot(tmp_path) as local:
        student = local.user()
        await local.send(student, "/menu")
        assert not any("coordinator" in label for label in student.last.button_labels)
        await local.send(student, "tell me a joke")
        assert student.last.button_labels == ["✍️ Sign up", "🏠 Main menu"]
        await press_data(local, student, "1|coordinator")  # a button from an older keyboard
        assert "no coordinator can be reached" in student.last.text


async def test_errors_are_reported_without_personal_data_and_apologised(bot: LocalBot) -> None:
    student = bot.user(name="Secret Name")
    coordinator = bot.user(COORDINATOR, name="Coord")
    bot.emulator.fail_next("sendMessage", 500, "Internal Server Error")
    await bot.send(student, "my private question about fees")
    assert "something went wrong" in student.last.text
    report = coordinator.last.text
    assert "Bot error" in report
    assert "Secret" not in report and "private question" not in report
    bot.emulator.requests.clear()  # the injected failure


async def test_command_lists_are_registered_per_language(bot: LocalBot) -> None:
    # registered by post_init, as run_polling does
    french: SimUser = bot.user(2, language_code="fr")
    english: SimUser = bot.user(3, language_code="en")
    assert ("language", "Choisir la langue") in french.commands
    assert ("language", "Choose the reply language") in english.commands


async def test_forget_while_waiting_for_a_coordinator_ends_the_handoff(bot: LocalBot) -> None:
    student = bot.user()
    coordinator = bot.user(COORDINATOR, name="Coord")
    await bot.send(student, "/menu")
    await bot.press(student, "💬 Ask a coordinator")
    await bot.send(student, "/forget")
    await bot.press(student, "1|forget:yes")
    await bot.send(student, "how long is the exchange?")
    assert "4 weeks" in student.last.text, "answered by the bot, not passed on"
    assert coordinator.messages == []
