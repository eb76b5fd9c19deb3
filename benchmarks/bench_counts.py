"""Issue 21: what reading ``.env`` and plural rules cost. Prints, in one fresh process each:
the import of python-dotenv after the CLI's own imports, whether loading the texts loads babel
(it must not: start-up stays as it was), and the first and next counted text per language.

    .venv/bin/python benchmarks/bench_counts.py
"""

from __future__ import annotations

import subprocess
import sys

from bot.settings import REPOSITORY

DOTENV = """
import time, bot.cli
start = time.perf_counter(); import dotenv; took = time.perf_counter() - start
print(f"import dotenv after bot.cli: {took * 1000:.1f} ms")
"""
COUNTS = """
import sys, time
from bot.content.texts import Texts
from bot.settings import REPOSITORY
start = time.perf_counter(); texts = Texts.load(REPOSITORY / "conversations")
took = time.perf_counter() - start
print(f"Texts.load: {took * 1000:.0f} ms, babel loaded: {'babel' in sys.modules}")
for lang in ("en", "fr", "zh"):
    a = time.perf_counter(); texts.get("unanswered_ignored", lang, count=3)
    b = time.perf_counter(); texts.get("unanswered_ignored", lang, count=4)
    c = time.perf_counter()
    print(f"{lang}: first counted text {(b - a) * 1000:.1f} ms, next {(c - b) * 1000:.3f} ms")
"""


def main() -> None:
    for code in (DOTENV, COUNTS):
        subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, check=True)


if __name__ == "__main__":
    main()
