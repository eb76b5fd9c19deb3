"""Knowledge-base answers shared outside the private chat (inline mode and groups).

Only the question's own text is used, never anything stored about the student: what is shown
in a group or sent as an inline card could be read by anyone there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from bot.content.sharing import SharingSettings, is_start_parameter, preview
from bot.understanding.answers import FALLBACK, Assistant, Match, Reply

_LATIN_WORD = re.compile(r"[^\W\d_]+")
MAX_QUESTION = 1000  # longer questions are not matched (the private chat has the same limit)


def clear_language(match: Match, text: str, min_words: int) -> str | None:
    """The language of ``text`` when it is clear, else None. Chinese and French need
    evidence in the question (characters, marker words); English is also the matcher's guess
    when nothing tells, so a Latin-script query of fewer than ``min_words`` words (``CSC``,
    ``visa``) has no clear language."""
    if not text.strip():
        return None
    if match.language != "en":
        return match.language
    return "en" if len(_LATIN_WORD.findall(text)) >= min_words else None


def answer_topics(
    assistant: Assistant, match: Match, reply: Reply, sharing: SharingSettings
) -> list[str]:
    """The topics to offer for a question: the answering topic (or the assistant's
    suggestions) first, then other candidates scoring at least ``min_score``; none when the
    assistant declines."""
    if reply.kind == FALLBACK:
        return []
    first = [reply.intent] if reply.intent else []
    first += [b.action.removeprefix("topic:") for b in reply.buttons if not reply.intent]
    known = assistant.kb.entries.keys() | assistant.kb.items.keys()
    others = [c.topic_id for c in match.candidates if c.score >= sharing.min_score]
    topics = [t for t in dict.fromkeys([*first, *others]) if t in known]
    return topics[: sharing.max_results]


def is_action(assistant: Assistant, topic_id: str) -> bool:
    """Whether the topic starts something personal (the sign-up, a hand-off): it is only
    offered as an invitation to the private chat."""
    entry = assistant.kb.entries.get(topic_id)
    return entry is not None and entry.action is not None


@dataclass(frozen=True)
class SharedAnswer:
    """A topic as shown outside the private chat: HTML text, plain title and preview, and
    the /start payload that opens it in the private chat."""

    topic_id: str
    title: str
    preview: str
    text: str
    payload: str | None


@lru_cache(maxsize=1024)
def shared_answer(
    assistant: Assistant, topic_id: str, lang: str, preview_length: int
) -> SharedAnswer:
    """The answer of a topic for a group or an inline card (answers never change while the
    bot runs, so each is built once). Actions become the private-chat invitation."""
    title = assistant.kb.title(topic_id, lang)
    if is_action(assistant, topic_id):
        text = assistant.texts.get("group_private_only", lang)
    else:
        text = assistant.topic_reply(topic_id, lang).text
    payload = topic_id if is_start_parameter(topic_id) else None
    return SharedAnswer(topic_id, title, preview(text, preview_length, title), text, payload)


def private_chat_button(label: str, bot_username: str, payload: str | None) -> InlineKeyboardMarkup:
    """The one button of a shared answer: it opens the private chat (at ``payload``)."""
    url = create_deep_linked_url(bot_username, payload)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])
