"""Check the package's import graph: no cycles, and every layer imports only the layers below.

    python scripts/check_imports.py        # exit 1 and one line per problem, else "ok"

Imports inside functions count too. Layers (an arrow means "may import"):
``bot.telegram`` → ``bot.understanding`` → ``bot.content`` → nothing of ours; ``bot.storage``
and ``bot.settings`` import no other layer; ``bot.reports`` (digests, exports, statistics and
charts; no Telegram objects) imports only ``bot.content``, ``bot.storage`` and
``bot.telegram_rules``; ``bot.telegram_rules`` (Telegram's limits and HTML rules) imports
nothing of ours; the entry points (``bot.cli``, ``bot.chat``, ``bot.checks``,
``bot.__main__``) may import anything of ``bot``; ``telegram_emulator`` imports only
``bot.telegram_rules``.

Also: no module of ``bot`` imports ``telegram_emulator`` but ``bot.chat`` (the offline chat
drives the emulator by design), and no handler module imports another handler module
(``bot.telegram.handlers.common``, the shared helpers, aside; the package's ``__init__``
registers them all).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "telegram_emulator")
# For each layer, the prefixes of our own modules it may import (besides itself).
ALLOWED: dict[str, tuple[str, ...]] = {
    "bot.content": (),
    "bot.understanding": ("bot.content",),
    "bot.storage": (),
    "bot.settings": (),
    "bot.reports": ("bot.content", "bot.storage", "bot.telegram_rules"),
    "bot.telegram_rules": (),
    "bot.telegram": (
        "bot.content",
        "bot.understanding",
        "bot.storage",
        "bot.settings",
        "bot.reports",
        "bot.telegram_rules",
    ),
    "bot.web": (
        "bot.content",
        "bot.understanding",
        "bot.storage",
        "bot.settings",
        "bot.reports",
        "bot.telegram",
        "bot.telegram_rules",
    ),
    "telegram_emulator": ("bot.telegram_rules",),
}
EMULATOR_ENTRY = "bot.chat"  # the one module of bot that may import telegram_emulator
HANDLERS = "bot.telegram.handlers"
SHARED_HANDLER_HELPERS = "bot.telegram.handlers.common"
FOREIGN_FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.content": ("telegram",),
    "bot.understanding": ("telegram",),
    "bot.storage": ("telegram",),
    "bot.reports": ("telegram",),
}


def module_name(path: Path) -> str:
    """``bot/telegram/handlers/start.py`` → ``bot.telegram.handlers.start``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, known: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Every module ``path`` imports, at top level or inside functions. ``from p import m``
    of a ``known`` submodule ``p.m`` counts as importing ``p.m`` only (Python then needs
    ``p`` to be importing, not imported)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = {f"{base}.{alias.name}" for alias in node.names}
            found.update(names)
            if not names <= known:
                found.add(base)
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (never imported at run time)."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each one imports."""
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    modules = {module_name(p): p for p in files}
    known = set(modules)
    return {
        name: {m for m in imports(path, known) if m in modules and m != name}
        for name, path in modules.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _layer(name: str) -> str | None:
    return next((layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), None)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rule_problems(edges: dict[str, set[str]]) -> list[str]:
    """Imports of ``telegram_emulator`` by the bot (the offline chat aside) and of a handler
    module by another (the shared helpers aside)."""
    found = []
    for name, targets in sorted(edges.items()):
        for target in sorted(targets):
            if (
                _within(name, "bot")
                and name != EMULATOR_ENTRY
                and _within(target, "telegram_emulator")
            ):
                found.append(f"emulator: {name} imports {target} (only {EMULATOR_ENTRY} may)")
            if (
                name.startswith(HANDLERS + ".")
                and target.startswith(HANDLERS + ".")
                and target != SHARED_HANDLER_HELPERS
            ):
                found.append(
                    f"handlers: {name} imports {target} (share through "
                    f"{SHARED_HANDLER_HELPERS} or a module outside handlers/)"
                )
    return found


def problems() -> list[str]:
    """Every cycle and every import against the layers, one line each."""
    edges = graph()
    found = [f"import cycle: {' <-> '.join(c)}" for c in cycles(edges)]
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    for name, targets in sorted(edges.items()):
        layer = _layer(name)
        if layer is None:
            continue
        for target in sorted(targets):
            allowed = (layer, *ALLOWED[layer])
            if not any(target == p or target.startswith(p + ".") for p in allowed):
                found.append(f"layer: {name} imports {target}")
        for module in sorted(imports(files[name])):
            if module.split(".")[0] in FOREIGN_FORBIDDEN.get(layer, ()):
                found.append(f"layer: {name} imports {module}")
    return found + rule_problems(edges)


def main() -> int:
    """Print the problems; exit 1 if there are any."""
    found = problems()
    print("\n".join(found) if found else "ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
