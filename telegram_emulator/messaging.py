"""Bot API methods about messages: send, edit, delete, documents, chat actions, callbacks."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from bot.telegram_rules import CALLBACK_ANSWER_LIMIT, CAPTION_LIMIT, MESSAGE_LIMIT
from telegram_emulator.errors import bad_request, forbidden
from telegram_emulator.formatting import (
    ENTITY_TYPES,
    Entity,
    FormattingError,
    parse_html,
    sort_entities,
    trim,
    utf16_len,
)
from telegram_emulator.images import image_size
from telegram_emulator.markup import check_reply_markup
from telegram_emulator.params import UploadedFile, flag, optional_int, optional_str, required_int
from telegram_emulator.state import Chat, ChatMessage, StoredFile

if TYPE_CHECKING:
    from telegram_emulator.core import BotAPIEmulator

Params = dict[str, Any]
TEXT_LIMIT = MESSAGE_LIMIT
PHOTO_LIMIT = 10 * 1024 * 1024  # bytes of an uploaded photo
PHOTO_SIDES_LIMIT = 10_000  # width + height
PHOTO_RATIO_LIMIT = 20
CALLBACK_TEXT_LIMIT = CALLBACK_ANSWER_LIMIT
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip


def resolve_chat(emu: BotAPIEmulator, params: Params, *, sending: bool = False) -> Chat:
    """The chat ``chat_id`` names; sending needs a user who started and did not block the bot."""
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    chat = emu.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    if sending and chat.blocked:
        raise forbidden("bot was blocked by the user")
    if sending and not chat.started:
        raise forbidden("bot can't initiate conversation with a user")
    return chat


def formatted_text(
    emu: BotAPIEmulator, params: Params, key: str, *, limit: int, optional: bool = False
) -> tuple[str, list[Entity]]:
    """The text (or caption) and its entities after parse_mode, trimmed and checked."""
    entities_key = "entities" if key == "text" else f"{key}_entities"
    raw = optional_str(params, key) or ""
    mode = (optional_str(params, "parse_mode") or "").lower()
    if raw and mode and mode != "none":
        if mode != "html":
            if mode in ("markdown", "markdownv2"):
                raise bad_request(
                    "can't parse entities: the emulator supports only the HTML parse mode"
                )
            raise bad_request("unsupported parse_mode")
        try:
            text, entities = parse_html(raw, pedantic=emu.pedantic)
        except FormattingError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        text, entities = raw, _given_entities(raw, params.get(entities_key))
    text, entities = trim(text, entities)
    if not text and not optional:
        raise bad_request("message text is empty")
    if (utf16_len(text) if emu.pedantic else len(text)) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return text, entities


def _given_entities(text: str, entities: Any) -> list[Entity]:
    if entities is None:
        return []
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise bad_request("can't parse entities JSON object")
    end = utf16_len(text)
    kept = []
    for entity in entities:
        kind, offset, length = entity.get("type"), entity.get("offset"), entity.get("length")
        if kind not in ENTITY_TYPES:
            raise bad_request(f"can't parse entities: unsupported entity type {kind!r}")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 0:
            raise bad_request("can't parse entities: wrong entity offset or length")
        if kind == "text_link" and not entity.get("url"):
            raise bad_request("can't parse entities: text_link entity without url")
        if length and offset < end:
            kept.append({**entity, "length": min(length, end - offset)})
    return sort_entities(kept)


def _reply_to(emu: BotAPIEmulator, chat: Chat, params: Params) -> ChatMessage | None:
    reply = params.get("reply_parameters")
    if reply is None and params.get("reply_to_message_id") is not None:
        reply = {
            "message_id": params["reply_to_message_id"],
            "allow_sending_without_reply": params.get("allow_sending_without_reply"),
        }
    if reply is None:
        return None
    if not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    target = chat
    if reply.get("chat_id") not in (None, chat.id):
        target = resolve_chat(emu, {"chat_id": reply["chat_id"]})
    message = target.messages.get(required_int(reply, "message_id"))
    if message is None or message.deleted:
        if flag(reply, "allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return message


def _stored_message(
    emu: BotAPIEmulator, params: Params, not_found: str
) -> tuple[Chat, ChatMessage]:
    if params.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = resolve_chat(emu, params)
    message_id = optional_int(params, "message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(not_found)
    return chat, message


def _editable(emu: BotAPIEmulator, params: Params) -> tuple[Chat, ChatMessage]:
    chat, message = _stored_message(emu, params, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


async def send_message(emu: BotAPIEmulator, params: Params) -> Any:
    """sendMessage."""
    chat = resolve_chat(emu, params, sending=True)
    text, entities = formatted_text(emu, params, "text", limit=TEXT_LIMIT)
    markup = check_reply_markup(params.get("reply_markup"))
    message = emu.add_bot_message(
        chat,
        text=text,
        entities=entities,
        source=optional_str(params, "text"),
        parse_mode=optional_str(params, "parse_mode"),
        reply_markup=markup,
        reply_to=_reply_to(emu, chat, params),
    )
    return message.to_api()


async def edit_message_text(emu: BotAPIEmulator, params: Params) -> Any:
    """editMessageText; without reply_markup the inline keyboard goes, as in Telegram."""
    chat, message = _editable(emu, params)
    if message.document is not None:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted_text(emu, params, "text", limit=TEXT_LIMIT)
    markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.previous_texts.append(message.text)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.source = optional_str(params, "text")
    message.parse_mode = optional_str(params, "parse_mode")
    emu.record_edit(chat, message)
    return message.to_api()


async def edit_message_reply_markup(emu: BotAPIEmulator, params: Params) -> Any:
    """editMessageReplyMarkup; no reply_markup removes the inline keyboard."""
    chat, message = _editable(emu, params)
    markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    emu.record_edit(chat, message)
    return message.to_api()


async def delete_message(emu: BotAPIEmulator, params: Params) -> Any:
    """deleteMessage: the bot's own messages and, in private chats, the user's."""
    _, message = _stored_message(emu, params, "message to delete not found")
    message.deleted = True
    emu.activity.fire()
    return True


async def send_document(emu: BotAPIEmulator, params: Params) -> Any:
    """sendDocument with an uploaded file (multipart) or the file_id of an earlier upload."""
    return _send_file(emu, params, "document")


async def send_photo(emu: BotAPIEmulator, params: Params) -> Any:
    """sendPhoto with an uploaded PNG or JPEG (multipart) or the file_id of an earlier photo;
    Telegram's size, dimension and ratio limits are checked."""
    return _send_file(emu, params, "photo")


def _send_file(emu: BotAPIEmulator, params: Params, kind: str) -> Any:
    """A message carrying the file of ``params[kind]`` (``document`` or ``photo``) and an
    optional formatted caption."""
    chat = resolve_chat(emu, params, sending=True)
    stored = _input_file(emu, params, kind, photo=kind == "photo")
    caption, entities = formatted_text(emu, params, "caption", limit=CAPTION_LIMIT, optional=True)
    message = emu.add_bot_message(
        chat,
        text=caption,
        entities=entities,
        source=optional_str(params, "caption"),
        parse_mode=optional_str(params, "parse_mode"),
        reply_markup=check_reply_markup(params.get("reply_markup")),
        reply_to=_reply_to(emu, chat, params),
        **{kind: stored},
    )
    return message.to_api()


def _photo_size(data: bytes) -> tuple[int, int]:
    if len(data) > PHOTO_LIMIT:
        raise bad_request("file is too big")
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if not width or not height or width + height > PHOTO_SIDES_LIMIT:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    if max(width, height) > PHOTO_RATIO_LIMIT * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return size


def _input_file(
    emu: BotAPIEmulator, params: Params, name: str, *, photo: bool = False
) -> StoredFile:
    value = params.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        value = params.get(value.removeprefix("attach://"))
        if not isinstance(value, UploadedFile):
            raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        size = _photo_size(value.data) if photo else None
        mime = value.mime_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(value.filename or "")[0] or mime
        return emu.store_file(value.filename, mime, value.data, size)
    if isinstance(value, str) and value:
        if value in emu.files:
            if photo != (emu.files[value].width is not None):
                raise bad_request("type of file mismatch")
            return emu.files[value]
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {name} in the request")


async def send_chat_action(emu: BotAPIEmulator, params: Params) -> Any:
    """sendChatAction."""
    chat = resolve_chat(emu, params, sending=True)
    action = optional_str(params, "action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True


async def answer_callback_query(emu: BotAPIEmulator, params: Params) -> Any:
    """answerCallbackQuery: once per query, with at most 200 characters of text."""
    query = emu.callback_queries.get(optional_str(params, "callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    text = optional_str(params, "text")
    if text and (utf16_len(text) if emu.pedantic else len(text)) > CALLBACK_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.text = text
    query.show_alert = flag(params, "show_alert")
    query.url = optional_str(params, "url")
    emu.activity.fire()
    return True
