"""Answers shared outside the private chat (inline mode, groups): tunables, previews, topics.

The tunables live in ``conversations/groups.yaml`` (``inline:`` and ``groups:``), validated
at start. No Telegram here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.menus import Menus

# What Telegram accepts as a /start payload (deep links, the inline "switch to PM" button).
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
MAX_RESULTS = 50  # Telegram's limit per answerInlineQuery


def is_start_parameter(value: str) -> bool:
    """Whether ``value`` can be the payload of a ``t.me/<bot>?start=`` link."""
    return bool(_START_PARAMETER.fullmatch(value))


@dataclass(frozen=True)
class SharingSettings:
    """How answers are shared in inline mode and groups (see ``groups.yaml``)."""

    cache_time: int = 300
    max_results: int = 5
    min_score: float = 0.36
    preview_length: int = 90
    min_words: int = 2
    start_parameter: str = "inline"
    invite_payloads: Mapping[str, str] = field(default_factory=lambda: {"signup": "signup"})

    @classmethod
    def load(cls, path: Path) -> SharingSettings:
        """Read the ``inline:`` and ``groups:`` sections; every problem is named."""
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise KnowledgeError([f"{path.name}: must be a mapping"])
        inline: dict[str, Any] = data.get("inline") or {}
        groups: dict[str, Any] = data.get("groups") or {}
        problems: list[str] = []
        values: dict[str, Any] = {}
        limits = {
            "cache_time": (int, 0, 86_400),
            "max_results": (int, 1, MAX_RESULTS),
            "min_score": (float, 0.0, 1.0),
            "preview_length": (int, 10, 500),
            "min_words": (int, 1, 10),
        }
        for name, (kind, low, high) in limits.items():
            raw = inline.get(name, getattr(cls, name))
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not low <= raw <= high:
                problems.append(f"{path.name}: inline.{name} must be a number in [{low}, {high}]")
                continue
            values[name] = kind(raw)
        start = str(inline.get("start_parameter", cls.start_parameter))
        if not is_start_parameter(start):
            problems.append(f"{path.name}: inline.start_parameter is not a valid /start payload")
        payloads = groups.get("invite_payloads") or {}
        if not isinstance(payloads, dict) or not all(
            is_start_parameter(str(p)) for p in payloads.values()
        ):
            problems.append(f"{path.name}: groups.invite_payloads must map commands to payloads")
            payloads = {}
        if problems:
            raise KnowledgeError(problems)
        return cls(
            **values,
            start_parameter=start,
            invite_payloads={str(k): str(v) for k, v in payloads.items()},
        )


def preview(text: str, length: int, title: str = "") -> str:
    """A one-line plain-text preview of an HTML answer: tags dropped, entities decoded,
    whitespace folded, a first line repeating ``title`` left out, cut at a word with "…" when
    longer than ``length``."""
    lines = [html.unescape(_TAG.sub("", line)).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and lines[0].casefold() == title.strip().casefold():
        lines = lines[1:]
    plain = _SPACE.sub(" ", " ".join(lines)).strip()
    if len(plain) <= length:
        return plain
    cut = plain[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def main_topics(menus: Menus) -> list[str]:
    """The topics of the main menu, in its order: a topic button's topic, and for a sub-menu
    the first topic it lists (actions such as the sign-up are left out)."""
    topics: list[str] = []
    for button in menus.menus["main"].buttons:
        if button.kind == "topic":
            topics.append(button.target)
        elif button.kind == "menu":
            first = next(
                (b.target for b in menus.menus[button.target].buttons if b.kind == "topic"), None
            )
            if first is not None:
                topics.append(first)
    return list(dict.fromkeys(topics))
