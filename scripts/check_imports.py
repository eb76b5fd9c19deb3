"""Check the package's import graph: no cycles, and every layer imports only the layers below.

    python scripts/check_imports.py        # exit 1 and one line per problem, else "ok"

Imports inside functions count too. Layers (an arrow means "may import"):
``bot.telegram`` → ``bot.understanding`` → ``bot.content`` → nothing of ours (and
``bot.telegram`` → ``telegram_emulator.formatting``, Telegram's HTML rules, to refuse content
Telegram would refuse); ``bot.storage``
and ``bot.settings`` import no other layer; ``bot.reports`` (digests, exports, statistics and
charts; no Telegram) imports only ``bot.content`` and ``bot.storage``; the entry points
(``bot.cli``, ``bot.chat``, ``bot.checks``, ``bot.__main__``) may import anything;
``telegram_emulator`` imports nothing of ``bot``.
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
    "bot.reports": ("bot.content", "bot.storage"),
    "bot.telegram": (
        "bot.content",
        "bot.understanding",
        "bot.storage",
        "bot.settings",
        "bot.reports",
        "telegram_emulator.formatting",
    ),
    "bot.web": (
        "bot.content",
        "bot.understanding",
        "bot.storage",
        "bot.settings",
        "bot.reports",
        "bot.telegram",
        "telegram_emulator.formatting",
    ),
    "telegram_emulator": (),
}
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
    return found


def main() -> int:
    """Print the problems; exit 1 if there are any."""
    found = problems()
    print("\n".join(found) if found else "ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
