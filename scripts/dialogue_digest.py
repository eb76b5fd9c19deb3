"""A digest of every reply of every turn of the conversation and e-mail evaluation sets
through :class:`~bot.understanding.context.Dialogue`, to show that a change meant for speed
leaves every reply as it was (for maintainers; issue 17's cost).

    .venv/bin/python scripts/dialogue_digest.py [FILE...]

Without files: every ``tests/eval/conv-*.yaml`` and ``emails-*.yaml``. Each conversation
starts a new dialogue; each turn's reply text, buttons (label and action) and kind are hashed
(``replies``), and with the topic and the score at full precision too (``scores``). One line a
file (turns, sha256) and one for all; only digests are printed, never a row. Run it before and
after the change and compare the lines.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.understanding.answers import Assistant, Reply  # noqa: E402
from bot.understanding.context import Dialogue  # noqa: E402


def _conversations(path: Path) -> list[list[str]]:
    """Each row's turns (a conversation), or its one message (an e-mail)."""
    rows = yaml.safe_load(path.read_text("utf-8")) or []
    return [list(row["turns"]) if row.get("turns") else [str(row["q"])] for row in rows]


def _fields(reply: Reply) -> str:
    buttons = "\x1f".join(f"{b.label}\x1c{b.action}" for b in reply.buttons)
    return "\x1e".join((reply.text, buttons, reply.kind))


def main(files: list[str]) -> int:
    paths = [Path(f) for f in files] or sorted(
        [*ROOT.glob("tests/eval/conv-*.yaml"), *ROOT.glob("tests/eval/emails-*.yaml")]
    )
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "conversations")
    replies_all, scores_all = hashlib.sha256(), hashlib.sha256()
    for path in paths:
        replies, scores = hashlib.sha256(), hashlib.sha256()
        turns = 0
        for conversation in _conversations(path):
            dialogue = Dialogue(assistant)
            for turn in conversation:
                reply = dialogue.reply(turn)
                turns += 1
                replies.update((_fields(reply) + "\0").encode())
                scores.update(f"{reply.intent}\x1e{reply.score!r}\x1e{_fields(reply)}\0".encode())
        replies_all.update(replies.digest())
        scores_all.update(scores.digest())
        print(
            f"{path.name}: {turns} turns, replies {replies.hexdigest()[:16]}, "
            f"scores {scores.hexdigest()[:16]}"
        )
    print(f"all: replies {replies_all.hexdigest()[:16]}, scores {scores_all.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
