"""User-facing texts of the bot (``conversations/texts.yaml``), per language."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge import KnowledgeError, load_yaml
from bot.text import LANGUAGES

_FORMATTER = string.Formatter()


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


@dataclass(frozen=True)
class Texts:
    """Every UI text by key and language. Texts are Telegram HTML; button labels are plain."""

    texts: Mapping[str, Mapping[str, str]]

    def get(self, key: str, lang: str, **values: object) -> str:
        """The text ``key`` in ``lang``, with ``values`` filled in (callers escape them)."""
        template = self.texts[key][lang]
        return template.format(**values) if values else template

    @classmethod
    def load(cls, path: Path) -> Texts:
        """Read and validate the texts file: every key in every language, same placeholders."""
        data = load_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("texts"), dict):
            raise KnowledgeError([f"{path.name}: must be a mapping with 'texts'"])
        problems: list[str] = []
        texts: dict[str, dict[str, str]] = {}
        for key, raw in data["texts"].items():
            if not isinstance(raw, dict) or not all(
                isinstance(raw.get(lang), str) and raw[lang].strip() for lang in LANGUAGES
            ):
                problems.append(f"{path.name}: text '{key}' needs en, zh and fr")
                continue
            texts[key] = {lang: raw[lang].strip() for lang in LANGUAGES}
            expected = placeholders(texts[key]["en"])
            for lang in ("zh", "fr"):
                if placeholders(texts[key][lang]) != expected:
                    problems.append(
                        f"{path.name}: text '{key}': placeholders of {lang} differ from en "
                        f"({sorted(expected)})"
                    )
        if problems:
            raise KnowledgeError(problems)
        return cls(texts)

    def require(self, keys: set[str], source: str) -> None:
        """Fail with every missing key named."""
        missing = sorted(keys - self.texts.keys())
        if missing:
            raise KnowledgeError([f"{source}: missing text(s): {', '.join(missing)}"])
