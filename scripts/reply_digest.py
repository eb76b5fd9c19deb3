"""A digest of every reply the assistant gives to evaluation sets, to show that a change
meant for speed or memory leaves every reply as it was (for maintainers).

    .venv/bin/python -m scripts.reply_digest tests/eval/*-dev*.yaml tests/eval/dev*.yaml

Each case is asked as ``python -m bot eval`` asks it, through the chat's conversation path,
and every turn of a conversation is covered, not only the last: the digest covers each reply's
topic, kind, score (full precision), language, text and buttons (label and action). One line
a file (cases, sha256) and one for all; run it before and after the change (``python -m`` from
the checkout to compare, so that its ``bot`` package is the one imported) and compare the
lines. Holdout sets are refused: they are never looked at.

With ``--prepared`` each file's texts are first read in batches (``Matcher.prepare``, as
``ask`` and ``eval`` do): the readings of a batch are computed in other products than a single
message's, and the replies must be the same both ways.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from bot.cli import _assistant
from bot.settings import Settings
from bot.understanding.context import Dialogue
from bot.understanding.evaluation import load_cases

_PREPARED_CASES = 64  # cases a batch with --prepared


def main(arguments: list[str]) -> int:
    prepared = "--prepared" in arguments
    files = [a for a in arguments if a != "--prepared"]
    if not files or any("holdout" in Path(f).name for f in files):
        print("usage: python -m scripts.reply_digest [--prepared] DEV_SET.yaml... (no holdouts)")
        return 2
    assistant = _assistant(Settings.from_env())
    overall = hashlib.sha256()
    for name in files:
        digest = hashlib.sha256()
        cases = load_cases(Path(name))
        for number, case in enumerate(cases):
            if prepared and number % _PREPARED_CASES == 0:
                batch = cases[number : number + _PREPARED_CASES]
                assistant.matcher.prepare([t for c in batch for t in (*c.turns, c.question)])
            dialogue = Dialogue(assistant)
            for turn in (*case.turns, case.question):
                reply = dialogue.reply(turn)
                buttons = "\x1f".join(f"{b.label}\x1c{b.action}" for b in reply.buttons)
                fields = (reply.intent, reply.kind, repr(reply.score), reply.language, reply.text)
                digest.update(("\x1e".join(map(str, fields)) + "\x1d" + buttons + "\0").encode())
        overall.update(digest.digest())
        print(f"{name}: {len(cases)} cases, {digest.hexdigest()[:16]}")
    print(f"all: {overall.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
