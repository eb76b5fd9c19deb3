"""Import time and resident memory of a web framework, for the console's choice (issue 22).

    python benchmarks/console_imports.py tornado      # tornado.web + tornado.httpserver
    python benchmarks/console_imports.py starlette    # starlette + uvicorn (installed by hand)
    python benchmarks/console_imports.py console      # bot.web.server on top of the bot

Each run is a fresh interpreter; run each a few times and take the median.
"""

from __future__ import annotations

import sys
import time


def rss() -> float:
    """Resident memory in MB (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["VmRSS"].split()[0]) / 1024


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "tornado"
    if which == "console":
        sys.path.insert(0, ".")
        import bot.telegram.application

        print("tornado already imported by the bot:", "tornado.web" in sys.modules)
    before, started = rss(), time.perf_counter()
    if which == "tornado":
        import tornado.httpserver
        import tornado.web  # noqa: F401
    elif which == "starlette":
        import uvicorn  # noqa: F401
    else:
        import bot.web.server  # noqa: F401
    took = (time.perf_counter() - started) * 1000
    print(f"{which}: import {took:.0f} ms, +{rss() - before:.1f} MB resident")


if __name__ == "__main__":
    main()
