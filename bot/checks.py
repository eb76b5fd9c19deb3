"""``python -m bot kb check``: everything the bot will say is valid before it says it."""

from __future__ import annotations

from bot.content.knowledge import KnowledgeError
from bot.content.plurals import CATEGORIES, existing, needed
from bot.content.texts import Texts, counted
from bot.settings import Settings
from bot.telegram.content import load_content
from bot.understanding.answers import Assistant


def check_all(settings: Settings) -> Assistant:
    """Load and check everything exactly as the bot does at start and on ``/reload``
    (:func:`bot.telegram.content.load_content`), and the forms by count against each
    language's plural rules; raise KnowledgeError listing every problem."""
    # Meaning is not needed to check the files (matching.yaml is still read and checked).
    assistant = load_content(settings, semantic=False).assistant  # with the learned examples
    problems = plural_problems(assistant.texts)
    if problems:
        raise KnowledgeError(problems)
    return assistant


def plural_problems(texts: Texts) -> list[str]:
    """Forms by count that miss a category the language needs for 0 to 100 (English and
    French: ``one`` and ``other``) or name one it does not have (``one`` in Chinese). Checked
    here rather than at start: the plural rules are loaded only when a count is shown."""
    problems = []
    for key, by_language in texts.texts.items():
        for lang, template in by_language.items():
            for name, forms in counted(template):
                categories = {k for k in forms if k in CATEGORIES}
                where = f"{texts.sources.get(key, 'conversations')}: text '{key}' ({lang})"
                if missing := needed(lang) - categories:
                    problems.append(f"{where}: {{{name}}} needs the forms {sorted(missing)}")
                if extra := categories - existing(lang):
                    problems.append(f"{where}: {{{name}}}: {lang} has no form {sorted(extra)}")
    return problems
