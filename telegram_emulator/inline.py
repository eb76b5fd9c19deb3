"""Inline mode: inline queries from users, ``answerInlineQuery``, and choosing a result.

Inline mode is off until enabled (``BotAPIEmulator(inline_mode=True)``, @BotFather's
``/setinline``); chosen results are reported to the bot only with ``inline_feedback``
(``/setinlinefeedback``). Choosing a result makes the user send its message content into a
chat as a message ``via_bot``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram_emulator.errors import APIError, EmulatorError, bad_request
from telegram_emulator.formatting import Entity
from telegram_emulator.markup import check_reply_markup
from telegram_emulator.messaging import QUERY_TOO_OLD, TEXT_LIMIT, formatted_text
from telegram_emulator.params import flag, optional_int, optional_str
from telegram_emulator.state import Chat, ChatMessage

if TYPE_CHECKING:
    from telegram_emulator.core import BotAPIEmulator
    from telegram_emulator.users import SimUser

Params = dict[str, Any]
MAX_RESULTS = 50
MAX_ID_BYTES = 64
MAX_OFFSET_BYTES = 64
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
RESULT_TYPES = frozenset(
    {
        "article", "audio", "contact", "game", "document", "gif", "location", "mpeg4_gif",
        "photo", "venue", "video", "voice", "sticker",
    }
)  # fmt: skip
CHAT_TYPES = frozenset({"sender", "private", "group", "supergroup", "channel"})


@dataclass(eq=False)
class InlineResult:
    """One result of an answer, its message content parsed as Telegram would send it."""

    id: str
    type: str
    title: str
    description: str | None
    text: str
    entities: list[Entity]
    source: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None


@dataclass(eq=False)
class InlineQuery:
    """A query a user typed after the bot's username, and the bot's answer once given."""

    id: str
    user_id: int
    query: str
    chat_type: str
    answered: bool = False
    results: list[InlineResult] = field(default_factory=list)
    cache_time: int = 300
    is_personal: bool = False
    next_offset: str = ""
    button: dict[str, Any] | None = None

    def find(self, id_or_title: str) -> InlineResult | None:
        """The result with this id or title."""
        return next((r for r in self.results if id_or_title in (r.id, r.title)), None)


def _result(emu: BotAPIEmulator, raw: Any, seen: set[str]) -> InlineResult:
    if not isinstance(raw, dict):
        raise bad_request("can't parse inline query result JSON object")
    kind, result_id = raw.get("type"), raw.get("id")
    if kind not in RESULT_TYPES:
        raise bad_request("RESULT_TYPE_INVALID")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    markup = check_reply_markup(raw.get("reply_markup"), inline_only=True)
    content = raw.get("input_message_content")
    if kind != "article":  # media results: only what every result shares is checked
        return InlineResult(
            result_id, kind, str(raw.get("title", "")), None, "", [], None, None, markup
        )
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request("ARTICLE_TITLE_EMPTY")
    if not isinstance(content, dict) or "message_text" not in content:
        raise bad_request("SEND_MESSAGE_TYPE_INVALID")
    fields = {
        "text": content.get("message_text"),
        "parse_mode": content.get("parse_mode"),
        "entities": content.get("entities"),
    }
    try:
        text, entities = formatted_text(emu, fields, "text", limit=TEXT_LIMIT)
    except APIError as error:
        if "too long" in error.description:
            raise bad_request("MESSAGE_TOO_LONG") from None
        if "is empty" in error.description:
            raise bad_request("MESSAGE_EMPTY") from None
        raise
    description = raw.get("description")
    return InlineResult(
        result_id,
        kind,
        title,
        description if isinstance(description, str) else None,
        text,
        entities,
        optional_str(fields, "text"),
        optional_str(fields, "parse_mode"),
        markup,
    )


def _button(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise bad_request("BUTTON_TEXT_INVALID")
    start, web_app = raw.get("start_parameter"), raw.get("web_app")
    if (start is None) == (web_app is None):
        raise bad_request("BUTTON_TYPE_INVALID")
    if start is not None and not (isinstance(start, str) and _START_PARAMETER.fullmatch(start)):
        raise bad_request("START_PARAM_INVALID")
    return dict(raw)


async def answer_inline_query(emu: BotAPIEmulator, params: Params) -> Any:
    """answerInlineQuery: once per query, at most 50 results with unique ids."""
    query = emu.inline_queries.get(optional_str(params, "inline_query_id") or "")
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    raw_results = params.get("results")
    if not isinstance(raw_results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(raw_results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    results = [_result(emu, raw, seen) for raw in raw_results]
    cache_time = optional_int(params, "cache_time")
    if cache_time is not None and cache_time < 0:
        raise bad_request("CACHE_TIME_INVALID")
    next_offset = optional_str(params, "next_offset") or ""
    if len(next_offset.encode()) > MAX_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")
    query.button = _button(params.get("button"))
    query.results = results
    query.cache_time = 300 if cache_time is None else cache_time
    query.is_personal = flag(params, "is_personal")
    query.next_offset = next_offset
    query.answered = True
    emu.activity.fire()
    return True


def make_inline_query(user: SimUser, text: str, chat_type: str = "sender") -> dict[str, Any]:
    """The ``inline_query`` update of ``user`` typing ``@<bot> text`` (not queued)."""
    emu = user.emulator
    if not emu.inline_mode:
        raise EmulatorError("inline mode is off for this bot (@BotFather /setinline)")
    if chat_type not in CHAT_TYPES:
        raise EmulatorError(f"unknown inline query chat type {chat_type!r}")
    query = InlineQuery(emu.new_query_id(), user.id, text, chat_type)
    emu.inline_queries[query.id] = query
    payload = {
        "id": query.id,
        "from": user.to_api(),
        "query": text,
        "offset": "",
        "chat_type": chat_type,
    }
    return emu.updates.new_update("inline_query", payload)


def latest_query(user: SimUser) -> InlineQuery:
    """The user's latest inline query the bot answered."""
    for query in reversed(list(user.emulator.inline_queries.values())):
        if query.user_id == user.id and query.answered:
            return query
    raise EmulatorError(f"the bot answered no inline query of user {user.id}")


def choose(
    user: SimUser, id_or_title: str, chat: Chat | None = None
) -> tuple[ChatMessage, list[dict[str, Any]]]:
    """The user picks a result of their latest answered inline query: its content is sent
    into ``chat`` (default: the private chat with the bot) as the user's message ``via_bot``.
    Returns the message and the updates the bot gets (not queued): the message, if the bot is
    in that chat, and ``chosen_inline_result`` with inline feedback on."""
    emu = user.emulator
    query = latest_query(user)
    result = query.find(id_or_title)
    if result is None or result.type != "article":
        titles = [r.title for r in query.results]
        raise EmulatorError(f"no article {id_or_title!r} among the results {titles}")
    target = chat if chat is not None else user.chat
    message = ChatMessage(
        message_id=target.next_message_id(),
        chat=target,
        sender=user.to_api(),
        date=emu.now(),
        text=result.text,
        entities=list(result.entities),
        source=result.source,
        parse_mode=result.parse_mode,
        reply_markup=result.reply_markup,
        via_bot=dict(emu.bot_user),
    )
    target.add(message)
    updates = [emu.updates.new_update("message", message.to_api())]
    if emu.inline_feedback:
        chosen: dict[str, Any] = {
            "result_id": result.id,
            "from": user.to_api(),
            "query": query.query,
        }
        if result.reply_markup:
            chosen["inline_message_id"] = f"inl{query.id}{len(target.messages)}"
        updates.append(emu.updates.new_update("chosen_inline_result", chosen))
    return message, updates
