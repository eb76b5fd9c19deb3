"""The browsable menus of ``conversations/menus.yaml``: loading, checking and rendering."""

from __future__ import annotations

import html
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.buttons import Button, in_columns
from bot.content.knowledge import KnowledgeBase, KnowledgeError, load_yaml
from bot.content.pager import TEXTS as PAGER_TEXTS
from bot.content.pager import page_buttons, page_count, paginate
from bot.content.texts import Texts

ACTIONS = ("signup", "coordinator", "language")
MAX_TAPS = 3
KINDS = ("topic", "menu", "action")


@dataclass(frozen=True)
class MenuButton:
    """One button of a menu: ``kind`` is topic, menu or action."""

    kind: str
    target: str


@dataclass(frozen=True)
class Menu:
    """A menu: its text key, buttons, layout and the menu its Back button returns to."""

    id: str
    text: str
    buttons: tuple[MenuButton, ...]
    columns: int = 1
    parent: str | None = None


@dataclass(frozen=True)
class Screen:
    """A rendered menu page: HTML text and rows of buttons."""

    text: str
    rows: tuple[tuple[Button, ...], ...]


def _breadth_first(menus: dict[str, Menu]) -> list[str]:
    """Menu ids reachable from ``main``, nearest first."""
    order, queue = [], deque(["main"] if "main" in menus else [])
    while queue:
        menu_id = queue.popleft()
        if menu_id in order:
            continue
        order.append(menu_id)
        queue.extend(b.target for b in menus[menu_id].buttons if b.kind == "menu")
    return order


class Menus:
    """All menus, checked against the knowledge base and texts."""

    def __init__(
        self,
        menus: dict[str, Menu],
        page_size: int,
        kb: KnowledgeBase,
        texts: Texts,
        icons: dict[str, str] | None = None,
    ):
        self.menus, self.page_size, self.kb, self.texts = menus, page_size, kb, texts
        self.icons = icons or {}
        self._order = _breadth_first(menus)

    @classmethod
    def load(cls, path: Path, kb: KnowledgeBase, texts: Texts) -> Menus:
        """Read ``menus.yaml``; every problem is reported with the menu it is in."""
        data = load_yaml(path)
        problems: list[str] = []
        if not isinstance(data, dict) or not isinstance(data.get("menus"), dict):
            raise KnowledgeError([f"{path.name}: must be a mapping with 'menus'"])
        raw_menus: dict[str, dict[str, Any]] = data["menus"]
        menus: dict[str, Menu] = {}
        for menu_id, raw in raw_menus.items():
            where = f"{path.name}: menu '{menu_id}'"
            buttons = []
            for raw_button in raw.get("buttons") or []:
                if not isinstance(raw_button, dict) or len(raw_button) != 1:
                    problems.append(f"{where}: a button is one of {', '.join(KINDS)}: <id>")
                    continue
                ((kind, target),) = raw_button.items()
                problem = cls._check_button(kind, str(target), raw_menus, kb)
                if problem:
                    problems.append(f"{where}: {problem}")
                buttons.append(MenuButton(kind, str(target)))
            text = str(raw.get("text", ""))
            if text not in texts.texts:
                problems.append(f"{where}: unknown text '{text}'")
            menus[menu_id] = Menu(menu_id, text, tuple(buttons), int(raw.get("columns", 1)))
        if "main" not in menus:
            problems.append(f"{path.name}: there must be a 'main' menu")
        menus = cls._with_parents(menus)
        unlisted = set(data.get("unlisted") or [])
        problems += cls._check_reachable(menus, kb, unlisted, path.name)
        labels = {f"button_menu_{m}" for m in menus if m != "main"} | {
            f"button_{a}" for a in ACTIONS
        }
        labels |= {"button_back", "button_browse_items", "button_main_menu", *PAGER_TEXTS}
        missing = sorted(labels - texts.texts.keys())
        if missing:
            problems.append(f"texts.yaml: missing button text(s): {', '.join(missing)}")
        icons = data.get("icons") or {}
        if not isinstance(icons, dict):
            problems.append(f"{path.name}: 'icons' must map topic ids to an emoji")
            icons = {}
        for topic, icon in icons.items():
            if topic not in kb.entries and topic not in kb.items:
                problems.append(f"{path.name}: icons: unknown topic '{topic}'")
            if not isinstance(icon, str) or not icon.strip() or len(icon) > 4:
                problems.append(f"{path.name}: icons: '{topic}' needs one emoji")
        if problems:
            raise KnowledgeError(problems)
        return cls(menus, int(data.get("page_size", 8)), kb, texts, dict(icons))

    @staticmethod
    def _check_button(
        kind: str, target: str, menus: dict[str, dict[str, Any]], kb: KnowledgeBase
    ) -> str | None:
        if kind == "topic" and target not in kb.entries and target not in kb.items:
            return f"unknown topic '{target}'"
        if kind == "menu" and target not in menus:
            return f"unknown menu '{target}'"
        if kind == "action" and target not in ACTIONS:
            return f"unknown action '{target}'"
        if kind not in KINDS:
            return f"unknown button kind '{kind}'"
        return None

    @staticmethod
    def _with_parents(menus: dict[str, Menu]) -> dict[str, Menu]:
        parents: dict[str, str] = {}
        for menu_id in _breadth_first(menus):
            for button in menus[menu_id].buttons:
                if (
                    button.kind == "menu"
                    and button.target not in parents
                    and button.target != "main"
                ):
                    parents[button.target] = menu_id
        return {
            m.id: Menu(m.id, m.text, m.buttons, m.columns, parents.get(m.id))
            for m in menus.values()
        }

    @staticmethod
    def _check_reachable(
        menus: dict[str, Menu], kb: KnowledgeBase, unlisted: set[str], source: str
    ) -> list[str]:
        """Every entry within MAX_TAPS taps of the main menu (an item menu costs a tap)."""
        if "main" not in menus:
            return []
        reached: set[str] = set()
        seen, queue = {"main"}, deque([("main", 0)])
        while queue:
            menu_id, taps = queue.popleft()
            for button in menus[menu_id].buttons:
                if button.kind == "topic":
                    reached.add(button.target)
                elif button.kind == "menu" and button.target not in seen and taps + 1 < MAX_TAPS:
                    seen.add(button.target)
                    queue.append((button.target, taps + 1))
        missing = sorted(set(kb.entries) - reached - unlisted)
        if missing:
            return [f"{source}: not reachable in {MAX_TAPS} taps: {', '.join(missing)}"]
        return []

    def _label(self, button: MenuButton, lang: str) -> Button:
        if button.kind == "topic":
            title = self.kb.title(button.target, lang)
            icon = self.icons.get(button.target)
            return Button(f"{icon} {title}" if icon else title, f"topic:{button.target}")
        if button.kind == "menu":
            return Button(
                self.texts.get(f"button_menu_{button.target}", lang), f"menu:{button.target}"
            )
        return Button(self.texts.get(f"button_{button.target}", lang), button.target)

    def back_button(self, lang: str, target: str) -> Button:
        """A Back button to ``target`` (a ``menu:…``, ``items:…`` or ``topic:…`` action)."""
        return Button(self.texts.get("button_back", lang), target)

    def _page(
        self, buttons: list[Button], page: int, columns: int, action: str, lang: str
    ) -> list[tuple[Button, ...]]:
        shown = paginate(len(buttons), page, self.page_size)
        rows = in_columns(shown.of(buttons), columns)
        navigation = page_buttons(shown, lambda n: f"{action}:{n}", self.texts, lang)
        if navigation:
            rows.append(navigation)
        return rows

    def item_pages(self, entry_id: str) -> int:
        """How many pages the item list of ``entry_id`` has."""
        return page_count(len(self.kb.entries[entry_id].item_ids), self.page_size)

    def screen(self, menu_id: str, lang: str) -> Screen:
        """A menu with Back (to its parent) and Main-menu buttons."""
        menu = self.menus[menu_id]
        buttons = [self._label(b, lang) for b in menu.buttons]
        rows = in_columns(buttons, menu.columns)
        if menu.parent is not None:
            rows.append(self._navigation(lang, f"menu:{menu.parent}"))
        return Screen(self.texts.get(menu.text, lang), tuple(rows))

    def home_of(self, topic_id: str) -> str:
        """Where a topic's Back button leads: the first menu (breadth first) listing it; for a
        named item, the page of its first list that shows it."""
        for menu_id in self._order:
            if MenuButton("topic", topic_id) in self.menus[menu_id].buttons:
                return f"menu:{menu_id}"
        item = self.kb.items.get(topic_id)
        if item is not None:
            entry_id = item.memberships[0].entry_id
            page = self.kb.entries[entry_id].item_ids.index(topic_id) // self.page_size
            return f"items:{entry_id}:{page}"
        return "menu:main"

    def items_screen(self, entry_id: str, lang: str, page: int = 0) -> Screen:
        """The named items of a list entry as paged buttons; Back returns to the list."""
        entry = self.kb.entries[entry_id]
        buttons = [Button(self.kb.title(i, lang), f"topic:{i}") for i in entry.item_ids]
        rows = self._page(buttons, page, 2, f"items:{entry_id}", lang)
        rows.append(self._navigation(lang, f"topic:{entry_id}"))
        text = self.texts.get("menu_items", lang, title=html.escape(entry.title[lang]))
        return Screen(text, tuple(rows))

    def browse_button(self, entry_id: str, lang: str) -> Button | None:
        """For a list entry, the button that shows its items one by one."""
        if not self.kb.entries.get(entry_id) or not self.kb.entries[entry_id].item_ids:
            return None
        return Button(self.texts.get("button_browse_items", lang), f"items:{entry_id}")

    def _navigation(self, lang: str, back: str) -> tuple[Button, ...]:
        return (
            self.back_button(lang, back),
            Button(self.texts.get("button_main_menu", lang), "menu:main"),
        )
