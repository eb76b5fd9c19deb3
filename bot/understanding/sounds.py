"""Sound keys of Latin words spelt by ear, from the rule table ``sounds.tsv`` (no Telegram here).

Two words with one key sound alike: ``latin`` folds English and French spellings together
("kardiologi" and "cardiologie", "lojemen" and "logement"); ``fr`` follows French spelling
more closely (qu/k/c, an/en/em, au/o/eau, ss/c/z, silent endings: "konbien" and "combien",
"travaye" and "travaille", "infektieuse" and "infectieuses").
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

_TABLE = Path(__file__).with_name("sounds.tsv")
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=1)
def sound_rules() -> dict[str, tuple[tuple[re.Pattern[str], str], ...]]:
    """Each key's rules (pattern, replacement), in the table's order."""
    rules: dict[str, list[tuple[re.Pattern[str], str]]] = defaultdict(list)
    for line in _TABLE.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, pattern, replacement = [*line.split("\t"), ""][:3]
        rules[key].append((re.compile(pattern), replacement))
    return {key: tuple(found) for key, found in rules.items()}


def sound_key(word: str, key: str = "latin") -> str:
    """The sound key of a normalised Latin word under one key's rules."""
    for pattern, replacement in sound_rules()[key]:
        word = pattern.sub(replacement, word)
    return _DOUBLE.sub(r"\1", word)
