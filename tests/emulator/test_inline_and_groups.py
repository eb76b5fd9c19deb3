"""Inline mode and group chats in the emulator: what Telegram accepts, delivers and shows."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ContextTypes, InlineQueryHandler, MessageHandler, filters

from telegram_emulator import BotAPIEmulator, EmulatorError, application_builder
from telegram_emulator.groups import message_entities

pytestmark = pytest.mark.asyncio


def article(result_id: str, text: str = "<b>Fees</b>: waived", title: str = "Fees") -> object:
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        input_message_content=InputTextMessageContent(text, parse_mode="HTML"),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Open", url="https://t.me/cqmu_test_bot?start=fees")]]
        ),
    )


def query_id(emu: BotAPIEmulator, text: str = "fees") -> str:
    emu.inline_mode = True
    user = emu.users.get(1001) or emu.add_user(1001, "Ana", "en")
    return str(user.make_inline_query(text)["inline_query"]["id"])


async def test_get_me_reports_the_botfather_settings(emu: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.supports_inline_queries, me.can_read_all_group_messages) == (False, False)
    emu.inline_mode, emu.group_privacy = True, False
    me = await bot.get_me()
    assert (me.supports_inline_queries, me.can_read_all_group_messages) == (True, True)


async def test_no_inline_query_while_inline_mode_is_off(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001, "Ana", "en")
    with pytest.raises(EmulatorError, match="setinline"):
        user.make_inline_query("fees")


async def test_an_answer_is_stored_with_its_parsed_content(emu: BotAPIEmulator, bot: Bot) -> None:
    qid = query_id(emu)
    button = InlineQueryResultsButton(text="Ask privately", start_parameter="inline")
    assert await bot.answer_inline_query(
        qid, [article("fees")], cache_time=60, is_personal=True, button=button
    )
    query = emu.inline_queries[qid]
    assert query.answered and query.cache_time == 60 and query.is_personal
    assert query.button == {"text": "Ask privately", "start_parameter": "inline"}
    (result,) = query.results
    assert (result.id, result.title, result.text) == ("fees", "Fees", "Fees: waived")
    assert result.entities == [{"type": "bold", "offset": 0, "length": 4}]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(qid, [article("fees")])  # once per query
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query("123", [])


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], "RESULT_ID_DUPLICATE"),
        ([article("é" * 33)], "RESULT_ID_INVALID"),
        ([article("a", text="x" * 4097)], "MESSAGE_TOO_LONG"),
        ([article("a", text="<b>open")], "can't parse entities"),
        ([article("a", text="<script>x</script>")], "can't parse entities"),
        ([article("a", title=" ")], "ARTICLE_TITLE_EMPTY"),
    ],
    ids=[
        "51 results",
        "duplicate id",
        "id over 64 bytes",
        "4097 chars",
        "open tag",
        "script tag",
        "blank title",
    ],
)
async def test_answers_are_validated_like_telegram(
    emu: BotAPIEmulator, bot: Bot, results: list[object], error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.answer_inline_query(query_id(emu), results)  # type: ignore[arg-type]
    assert await bot.answer_inline_query(query_id(emu), [article(str(i)) for i in range(50)])


async def test_the_button_needs_a_valid_start_parameter(emu: BotAPIEmulator, bot: Bot) -> None:
    button = InlineQueryResultsButton(text="Ask", start_parameter="not valid!")
    with pytest.raises(BadRequest, match=r"(?i)START_PARAM_INVALID"):
        await bot.answer_inline_query(query_id(emu), [], button=button)


async def test_choosing_a_result_sends_it_via_the_bot(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.inline_feedback = True
    ana, ben = emu.add_user(1001, "Ana", "en"), emu.add_user(1002, "Ben", "fr", started=False)
    group = emu.add_group(-100, "Class of 2027", [ana, ben])
    await bot.answer_inline_query(query_id(emu, "is it free"), [article("fees")])
    message, chosen = ana.choose("Fees", group.chat)
    sent = message["message"]
    assert sent["via_bot"]["username"] == "cqmu_test_bot"
    assert sent["from"]["id"] == 1001 and sent["chat"]["type"] == "supergroup"
    assert sent["text"] == "Fees: waived" and sent["reply_markup"]["inline_keyboard"]
    assert chosen["chosen_inline_result"]["result_id"] == "fees"
    assert chosen["chosen_inline_result"]["query"] == "is it free"
    assert group.history[-1].html == "<b>Fees</b>: waived"
    with pytest.raises(EmulatorError, match="no article"):
        ana.choose("Housing")


async def test_entities_of_typed_commands_and_mentions() -> None:
    text = "🎓 @cqmu_test_bot is housing free? /help@cqmu_test_bot e-mail a@b.c"
    entities = message_entities(text)
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("mention", 3, 14),  # the emoji counts two UTF-16 code units
        ("bot_command", 35, 19),
    ]


async def test_group_privacy_decides_what_reaches_the_bot(emu: BotAPIEmulator, bot: Bot) -> None:
    ana, ben = emu.add_user(1001, "Ana", "en"), emu.add_user(1002, "Ben", "fr")
    group = emu.add_group(-100, "Class", [ana, ben], supergroup=False)
    assert group.send(ana, "anyone going to Chongqing?") is None
    assert group.send(ben, "/mydata@cqmu_test_bot") is not None
    update = group.send(ben, "@CQMU_test_bot is housing free?")
    assert update is not None and update["message"]["chat"]["type"] == "group"
    reply = await bot.send_message(-100, "Yes, it is free.", reply_to_message_id=3)
    assert group.last.reply_to is not None and group.last.reply_to.message_id == 3
    assert group.send(ana, "thanks!", reply_to=reply.message_id) is not None
    assert group.send(ana, "@someone_else hi") is None
    emu.group_privacy = False
    assert group.send(ana, "anyone going to Chongqing?") is not None
    outsider = emu.add_user(1003, "Cy", "en")
    with pytest.raises(EmulatorError, match="not a member"):
        group.send(outsider, "hello")


async def test_members_press_callback_buttons_and_reply_to_shown_messages(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    ana, ben = emu.add_user(1001, "Ana", "en"), emu.add_user(1002, "Ben", "fr")
    group = emu.add_group(-100, "Class", [ana])
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Fees", callback_data="fees")],
            [InlineKeyboardButton("Site", url="https://example.org")],
        ]
    )
    first = await bot.send_message(-100, "Topics", reply_markup=keyboard)
    await bot.send_message(-100, "More topics", reply_markup=keyboard)
    update = group.press(ana, "Fees", first.message_id)
    assert update["callback_query"]["message"]["message_id"] == first.message_id
    assert update["callback_query"]["data"] == "fees"
    assert [u.payload for u in emu.updates.pending] == [update]
    assert [q.data for q in emu.callback_queries.values() if q.user_id == ana.id] == ["fees"]
    with pytest.raises(EmulatorError, match="url button"):
        group.make_press(ana, "Site")
    with pytest.raises(EmulatorError, match="no bot message 99"):
        group.make_press(ana, "Fees", 99)
    with pytest.raises(EmulatorError, match="not a member"):
        group.make_press(ben, "Fees")
    with pytest.raises(EmulatorError, match="no message 99 to reply to"):
        group.make_message(ana, "yes", reply_to=99)
    group.add_member(ben)
    assert group.make_message(ben, "thanks", reply_to=first.message_id) is not None


async def test_a_real_application_in_a_group_and_inline(emu: BotAPIEmulator) -> None:
    emu.inline_mode = True
    ana = emu.add_user(1001, "Ana", "en")
    group = emu.add_group(-100, "Class", [ana])

    async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query is not None
        await update.inline_query.answer([article("fees")])

    async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("answer", do_quote=True)

    app = application_builder(emu).build()
    app.add_handler(InlineQueryHandler(on_inline))
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.Mention("cqmu_test_bot"), on_group)
    )
    async with app:
        await app.process_update(Update.de_json(ana.make_inline_query("fees", "group"), app.bot))
        assert ana.inline_results.results[0].title == "Fees"
        update = group.make_message(ana, "@cqmu_test_bot fees?")
        assert update is not None
        await app.process_update(Update.de_json(update, app.bot))
        assert group.last.text == "answer" and group.last.reply_to is not None
        (message,) = ana.choose("fees", group.chat)
        parsed = Update.de_json(message, app.bot)
        assert parsed.message is not None and parsed.message.via_bot is not None
        assert parsed.message.via_bot.id == app.bot.id
