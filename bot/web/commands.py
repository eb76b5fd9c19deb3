"""``python -m bot kb overrides [--merge]``: the answers edited in the console, printed for
review or folded into ``knowledge/`` (as ``kb learned`` does for learned examples)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from bot.content.knowledge import load_knowledge
from bot.content.overrides import (
    load_overrides,
    merge_into_knowledge,
    overrides_path,
    review_yaml,
)
from bot.settings import Settings


def overrides_command(settings: Settings, *, merge: bool) -> int:
    """Print the current overrides as YAML; ``--merge`` writes them into the knowledge files
    and moves the overrides file (with its history) aside as ``…merged-<time>.yaml``."""
    kb = load_knowledge(settings.knowledge_dir)
    path = overrides_path(settings.data_dir)
    overrides = load_overrides(path, kb)
    if not merge:
        sys.stdout.write(review_yaml(overrides) if overrides.history else "# no overrides\n")
        return 0
    replaced = merge_into_knowledge(settings.knowledge_dir, overrides)
    if path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path.rename(path.with_name(f"{path.stem}.merged-{stamp}{path.suffix}"))
    for name, number in sorted(replaced.items()):
        print(f"{name}: {number} entr{'y' if number == 1 else 'ies'} replaced")
    print(f"merged: {sum(replaced.values())} entries; the overrides file was moved aside")
    return 0
