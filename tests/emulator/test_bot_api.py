"""A PTB Bot on the in-process transport: results are real objects, mistakes are refused."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter

from telegram_emulator import BotAPIEmulator, EmulatorRequest

pytestmark = pytest.mark.asyncio

NOT_MODIFIED = r"(?i)Message is not modified: specified new message content and reply markup are"


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.can_join_groups) == (
        123456,
        "cqmu_test_bot",
        True,
        True,
    )


async def test_send_edit_and_delete_return_what_telegram_returns(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    user = emu.add_user(1001, "Ana", "fr")
    sent = await bot.send_message(
        1001,
        "<b>Housing</b>\nFree &amp; shared",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(InlineKeyboardButton("Fees", callback_data="fees")),
    )
    assert sent.text == "Housing\nFree & shared"
    assert sent.from_user is not None and sent.from_user.id == emu.bot_id
    assert sent.chat.id == 1001 and sent.chat.first_name == "Ana"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 7)]
    assert sent.edit_date is None
    assert user.last.text == "Housing\nFree & shared"
    assert user.last.html == "<b>Housing</b>\nFree &amp; shared"
    assert user.last.buttons == [[("Fees", "fees")]]

    edited = await bot.edit_message_text(
        "Fees: <i>none</i>", 1001, sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(sent))
    assert edited.text == "Fees: none" and edited.edit_date is not None
    assert edited.reply_markup is None  # no reply_markup in an edit removes the keyboard
    assert user.last.edited and user.last.button_labels == []
    assert user.last.previous_texts == ["Housing\nFree & shared"]

    assert await bot.delete_message(1001, sent.message_id) is True
    assert user.messages == []


async def test_reply_markup_edit_and_reply_to(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.add_user(1001)
    user.make_message("hello")
    reply = await bot.send_message(1001, "hi", reply_to_message_id=1)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "hello"
    buttons = keyboard(InlineKeyboardButton("Site", url="https://cqmu.edu.cn"))
    changed = await bot.edit_message_reply_markup(1001, reply.message_id, reply_markup=buttons)
    assert not isinstance(changed, bool) and changed.reply_markup == buttons
    assert user.last.buttons == [[("Site", "https://cqmu.edu.cn")]]
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_reply_markup(1001, reply.message_id, reply_markup=buttons)
    with pytest.raises(BadRequest, match=r"(?i)Message to be replied not found"):
        await bot.send_message(1001, "x", reply_to_message_id=99)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("x" * 4097, "Message is too long"),
        ("😀" * 2049, "Message is too long"),  # 4098 UTF-16 code units
        ("", "Message text is empty"),
        (" \n ", "Message text is empty"),
    ],
)
async def test_text_length_is_checked(emu: BotAPIEmulator, bot: Bot, text: str, error: str) -> None:
    emu.add_user(1001)
    with pytest.raises(BadRequest, match=r"(?i)" + error):
        await bot.send_message(1001, text)


async def test_length_counts_after_parsing_entities(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(1001)
    sent = await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text or "") == 4096
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(1001, "<b> </b>", parse_mode="HTML")


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<div>x</div>", 'Can\'t parse entities: unsupported start tag "div" at byte offset 0'),
        ("<b>open", "Can't parse entities: can't find end tag corresponding to start tag \"b\""),
        ("Q&A", 'Can\'t parse entities: unescaped "&" at byte offset 1'),
        ("1 < 2", 'Can\'t parse entities: unsupported start tag "" at byte offset 2'),
        ("&nbsp;", "Can't parse entities: unsupported HTML entity"),
    ],
)
async def test_bad_html_is_refused(emu: BotAPIEmulator, bot: Bot, html: str, error: str) -> None:
    emu.add_user(1001)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(1001, html, parse_mode="HTML")
    assert str(caught.value).lower().startswith(error.lower())
    assert emu.errors[-1].method == "sendMessage"


async def test_a_lenient_emulator_keeps_a_bare_ampersand_like_telegram() -> None:
    emu = BotAPIEmulator(pedantic=False)
    emu.add_user(1001)
    async with Bot(emu.token, request=EmulatorRequest(emu)) as bot:
        sent = await bot.send_message(1001, "Q&A", parse_mode="HTML")
    assert sent.text == "Q&A"


async def test_markdown_is_not_supported(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(1001)
    with pytest.raises(BadRequest, match=r"(?i)only the HTML parse mode"):
        await bot.send_message(1001, "*x*", parse_mode=ParseMode.MARKDOWN_V2)


@pytest.mark.parametrize(
    ("button", "error"),
    [
        ({"text": "x", "callback_data": "d" * 65}, "Button_data_invalid"),
        ({"text": "x", "callback_data": "é" * 33}, "Button_data_invalid"),
        ({"text": "x"}, "Text buttons are unallowed in the inline keyboard"),
        ({"text": "x", "callback_data": ""}, "Text buttons are unallowed in the inline keyboard"),
        ({"text": "x", "callback_data": "a", "url": "https://t.me"}, "exactly one"),
        ({"text": "x", "url": "ftp://example.com"}, "Unsupported URL protocol"),
        ({"callback_data": "a"}, 'Can\'t find field "text"'),
    ],
)
async def test_bad_buttons_are_refused(
    emu: BotAPIEmulator, bot: Bot, button: dict[str, Any], error: str
) -> None:
    emu.add_user(1001)
    with pytest.raises(BadRequest, match=r"(?i)" + error):
        await bot.send_message(1001, "x", reply_markup={"inline_keyboard": [[button]]})  # type: ignore[arg-type]


async def test_64_bytes_of_callback_data_are_fine(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.add_user(1001)
    await bot.send_message(
        1001, "x", reply_markup=keyboard(InlineKeyboardButton("b", callback_data="d" * 64))
    )
    assert user.last.buttons == [[("b", "d" * 64)]]


async def test_identical_edit_is_refused(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_user(1001)
    markup = keyboard(InlineKeyboardButton("Back", callback_data="back"))
    sent = await bot.send_message(1001, "<b>Menu</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_text(
            "<strong>Menu</strong>", 1001, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    # The same text without the markup, or the same text in plain, is a change.
    await bot.edit_message_text("Menu", 1001, sent.message_id, reply_markup=markup)
    await bot.edit_message_text("Menu", 1001, sent.message_id)


async def test_unknown_messages_and_chats_are_refused(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.add_user(1001)
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", 1001, 42)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(1001, 42)
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(2002, "x")
    sent = await bot.send_message(1001, "x")
    await bot.delete_message(1001, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(1001, sent.message_id)
    user.make_message("mine")
    with pytest.raises(BadRequest, match=r"(?i)Message can't be edited"):
        await bot.edit_message_text("x", 1001, 2)
    assert [r.method for r in emu.errors] == [
        "editMessageText",
        "deleteMessage",
        "sendMessage",
        "deleteMessage",
        "editMessageText",
    ]


async def test_callback_queries_are_answered_once(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.add_user(1001)
    await bot.send_message(
        1001, "x", reply_markup=keyboard(InlineKeyboardButton("Go", callback_data="go"))
    )
    query_id = user.make_press("Go")["callback_query"]["id"]
    with pytest.raises(BadRequest, match=r"(?i)Message_too_long"):
        await bot.answer_callback_query(query_id, "x" * 201)
    assert await bot.answer_callback_query(query_id, "Done", show_alert=True)
    with pytest.raises(BadRequest, match=r"(?i)Query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query("123")
    assert [(a.data, a.text, a.show_alert) for a in user.answers] == [("go", "Done", True)]


async def test_users_who_blocked_or_never_started_cannot_be_written_to(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    stranger = emu.add_user(1001, started=False)
    with pytest.raises(Forbidden, match=r"(?i)Bot can't initiate conversation with a user"):
        await bot.send_message(1001, "hi")
    stranger.make_message("/start")
    await bot.send_message(1001, "hi")
    stranger.block()
    with pytest.raises(Forbidden, match=r"(?i)Bot was blocked by the user"):
        await bot.send_message(1001, "again")


async def test_chat_actions(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.add_user(1001)
    assert await bot.send_chat_action(1001, "typing")
    with pytest.raises(BadRequest, match=r"(?i)Wrong parameter action"):
        await bot.send_chat_action(1001, "dancing")
    assert user.actions == ["typing"]


async def test_commands_are_stored_per_scope_and_language(emu: BotAPIEmulator, bot: Bot) -> None:
    ana = emu.add_user(1001, language_code="fr")
    bo = emu.add_user(1002, language_code="zh-hans")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "Démarrer")], language_code="fr")
    await bot.set_my_commands(
        [BotCommand("admin", "Admin")], scope=BotCommandScopeChat(1002), language_code="zh"
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="fr")] == ["Démarrer"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert ana.commands == [("start", "Démarrer")]
    assert bo.commands == [("admin", "Admin")]
    await bot.delete_my_commands(language_code="fr")
    assert ana.commands == [("start", "Start"), ("help", "Help")]
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])


async def test_wrong_token_unknown_method_and_injected_failures(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    emu.add_user(1001)
    with pytest.raises(InvalidToken):
        await Bot("123456:WRONG", request=EmulatorRequest(emu)).get_me()
    assert emu.errors[-1].error is not None and emu.errors[-1].error.error_code == 401
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert emu.errors[-1].error is not None
    assert emu.errors[-1].error.description == "Not Found: method not found"

    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "x")
    assert "Retry in 7 seconds" in str(caught.value)
    await bot.send_message(1001, "x")  # only the next call fails
    assert emu.requests[-2].injected and emu.errors[-1].method == "sendTelepathy"
