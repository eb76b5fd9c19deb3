"""User-facing texts of the bot: the ``texts:`` sections of ``conversations/*.yaml``."""

from __future__ import annotations

import string
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.buttons import HIDDEN_ACTIONS
from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES

VARIANT_ACTIONS = ("coordinator",)  # actions a deployment may lack: texts have variants

_FORMATTER = string.Formatter()


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


@dataclass(frozen=True)
class Texts:
    """Every UI text by key and language. Texts are Telegram HTML; button labels are plain."""

    texts: Mapping[str, Mapping[str, str]]
    sources: Mapping[str, str] = field(default_factory=dict)  # key -> the file it is in

    def get(self, key: str, lang: str, **values: object) -> str:
        """The text ``key`` in ``lang``, with ``values`` filled in (callers escape them); its
        ``KEY_no_<action>`` variant when that action is hidden in this deployment."""
        for action in HIDDEN_ACTIONS.get():
            variant = self.texts.get(f"{key}_no_{action}")
            if variant is not None:
                return variant[lang].format(**values) if values else variant[lang]
        template = self.texts[key][lang]
        return template.format(**values) if values else template

    @classmethod
    def load(cls, directory: Path) -> Texts:
        """Read and validate the ``texts:`` of every file in ``directory``: each key once, in
        every language, with the same placeholders."""
        problems: list[str] = []
        texts: dict[str, dict[str, str]] = {}
        sources: dict[str, str] = {}
        for path in sorted(directory.glob("*.yaml")):
            data = load_yaml(path)
            if not isinstance(data, dict) or "texts" not in data:
                continue
            if not isinstance(data["texts"], dict):
                problems.append(f"{path.name}: 'texts' must map keys to texts")
                continue
            for key, raw in data["texts"].items():
                if key in texts:
                    problems.append(f"{path.name}: text '{key}' is also in {sources[key]}")
                    continue
                if not isinstance(raw, dict) or not all(
                    isinstance(raw.get(lang), str) and raw[lang].strip() for lang in LANGUAGES
                ):
                    problems.append(f"{path.name}: text '{key}' needs en, zh and fr")
                    continue
                texts[key] = {lang: raw[lang].strip() for lang in LANGUAGES}
                sources[key] = path.name
                expected = placeholders(texts[key]["en"])
                for lang in ("zh", "fr"):
                    if placeholders(texts[key][lang]) != expected:
                        problems.append(
                            f"{path.name}: text '{key}': placeholders of {lang} differ from en "
                            f"({sorted(expected)})"
                        )
        for key in texts:
            suffix = next((f"_no_{a}" for a in VARIANT_ACTIONS if key.endswith(f"_no_{a}")), "")
            if not suffix:
                continue
            base = key.removesuffix(suffix)
            if base not in texts:
                problems.append(f"{sources[key]}: text '{key}': a variant of no text '{base}'")
            elif placeholders(texts[key]["en"]) != placeholders(texts[base]["en"]):
                problems.append(f"{sources[key]}: text '{key}': placeholders differ from '{base}'")
        if problems:
            raise KnowledgeError(problems)
        return cls(texts, sources)

    def require(self, keys: AbstractSet[str], source: str) -> None:
        """Fail with every missing key named."""
        missing = sorted(keys - self.texts.keys())
        if missing:
            raise KnowledgeError([f"{source}: missing text(s): {', '.join(missing)}"])
