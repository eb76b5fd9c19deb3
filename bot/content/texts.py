"""User-facing texts of the bot: the ``texts:`` sections of ``conversations/*.yaml``.

A number's words are data too: ``{count:one=# phrasing|other=# phrasings}`` picks the form of
the count's plural category (CLDR's, through :mod:`bot.content.plurals`), ``#`` standing for
the number; a key of digits (``0=no announcement``) matches that number exactly, and ``other``
is required. Chinese needs no forms: its measure word goes with the number (``{count} 条``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.buttons import HIDDEN_ACTIONS
from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.content.plurals import CATEGORIES, category

VARIANT_ACTIONS = ("coordinator",)  # actions a deployment may lack: texts have variants

_FORMATTER = string.Formatter()
_FORM_KEY = re.compile(r"[0-9]+|" + "|".join(CATEGORIES))


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def counted(template: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Each placeholder of ``template`` with forms by count, and its forms by key."""
    for _, name, spec, _ in _FORMATTER.parse(template):
        if name and spec and "=" in spec:
            yield name, parse_forms(spec)


def parse_forms(spec: str) -> dict[str, str]:
    """``one=# time|other=# times`` as ``{"one": "# time", "other": "# times"}``."""
    forms: dict[str, str] = {}
    for part in spec.split("|"):
        key, equals, form = part.partition("=")
        if not equals or not _FORM_KEY.fullmatch(key.strip()) or key.strip() in forms:
            raise ValueError(f"'{part}' is not KEY=form (KEY: a plural category or a number)")
        forms[key.strip()] = form
    if "other" not in forms:
        raise ValueError("forms by count need an 'other' form")
    return forms


def renderings(template: str) -> list[str]:
    """``template`` with every placeholder filled ("x"; numbers for counts), once per form of
    its counts (the first forms together, then the second…): what checks look at, without
    loading any plural rule."""
    forms = [list(f.values()) for _, f in counted(template)]
    return [
        _FormPicker(index).vformat(template, (), _Anything())
        for index in range(max((len(f) for f in forms), default=1))
    ]


class _Anything(dict[str, object]):
    def __missing__(self, key: str) -> object:
        return 2


class _FormPicker(string.Formatter):
    """Fills every placeholder; forms by count: the ``index``-th form (or the last)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def format_field(self, value: Any, format_spec: str) -> str:
        if "=" not in format_spec:
            return "x"
        forms = list(parse_forms(format_spec).values())
        return forms[min(self.index, len(forms) - 1)].replace("#", str(value))


class _CountFormatter(string.Formatter):
    """``str.format`` plus forms by count, in one language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if "=" not in format_spec:
            return super().format_field(value, format_spec)
        number = int(value)
        forms = parse_forms(format_spec)
        form = forms.get(str(number)) or forms.get(category(self.lang, number)) or forms["other"]
        return form.replace("#", str(number))


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
        if not values:
            return template
        if "=" in template:  # perhaps forms by count
            return _CountFormatter(lang).vformat(template, (), values)
        return template.format(**values)

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
                for lang in LANGUAGES:
                    try:
                        list(counted(texts[key][lang]))
                    except ValueError as error:
                        problems.append(f"{path.name}: text '{key}' ({lang}): {error}")
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
