"""How a lead's stored values read for a coordinator: choices, languages, statuses, areas."""

from __future__ import annotations

from bot.content.knowledge import KnowledgeBase
from bot.content.texts import Texts


def text_or(texts: Texts, key: str, lang: str, default: str) -> str:
    """The text ``key`` if it exists, else ``default``."""
    return texts.get(key, lang) if key in texts.texts else default


def status_label(texts: Texts, status: str, lang: str) -> str:
    """ "new", "updated", "contacted", "not relevant", in ``lang``."""
    return text_or(texts, f"digest_status_{status}", lang, status)


def language_name(texts: Texts, code: str) -> str:
    """A language's own name ("Français"), or its code if unknown."""
    return text_or(texts, f"language_name_{code}", code, code)


def choice_label(texts: Texts, field: str, value: str, lang: str) -> str:
    """A form choice (level ``phd`` → "PhD student"); the value itself if it is no choice."""
    return text_or(texts, f"signup_{field}_{value}", lang, value)


def area_title(kb: KnowledgeBase, topic_id: str, lang: str) -> str:
    """An area of interest's title in ``lang``; its id if the knowledge base lost it."""
    if topic_id in kb.entries or topic_id in kb.items:
        return kb.title(topic_id, lang)
    return topic_id
