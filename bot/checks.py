"""``python -m bot kb check``: everything the bot will say is valid before it says it."""

from __future__ import annotations

from bot.content.knowledge import KnowledgeError
from bot.content.languages import LANGUAGES
from bot.content.sharing import SharingSettings, is_start_parameter
from bot.content.texts import placeholders
from bot.settings import Settings
from bot.telegram.content import load_content
from bot.understanding.answers import Assistant
from telegram_emulator.formatting import FormattingError, parse_html, utf16_len

MAX_TEXT = 4096


def _html_problem(where: str, text: str) -> str | None:
    """Telegram's rules for a message: its HTML subset, at most 4,096 characters."""
    try:
        plain, _ = parse_html(text)
    except FormattingError as error:
        return f"{where}: not valid Telegram HTML: {error}"
    if not plain.strip() or utf16_len(plain) > MAX_TEXT:
        return f"{where}: empty or longer than {MAX_TEXT} characters"
    return None


def check_all(settings: Settings) -> Assistant:
    """Load knowledge, matching settings, texts and menus, and check every answer and text as
    Telegram would; raise KnowledgeError listing every problem."""
    # Meaning is not needed to check the files (matching.yaml is still read and checked).
    assistant = load_content(settings, semantic=False).assistant  # with the learned examples
    SharingSettings.load(settings.conversations_dir / "groups.yaml")
    problems: list[str] = []
    for topic_id in [*assistant.kb.entries, *assistant.kb.items]:
        if not is_start_parameter(topic_id):
            problems.append(f"id '{topic_id}' cannot be a deep link (t.me/<bot>?start=<id>)")
        for lang in LANGUAGES:
            reply = assistant.topic_reply(topic_id, lang)
            problem = _html_problem(f"answer of '{topic_id}' ({lang})", reply.text)
            if problem:
                problems.append(problem)
    for key, by_language in assistant.texts.texts.items():
        if key.startswith(("button_", "command_")):
            continue
        for lang, template in by_language.items():
            text = template.format(**dict.fromkeys(placeholders(template), "x"))
            problem = _html_problem(f"text '{key}' ({lang})", text)
            if problem:
                problems.append(problem)
    if problems:
        raise KnowledgeError(problems)
    return assistant
