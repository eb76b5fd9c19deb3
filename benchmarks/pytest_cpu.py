"""A pytest plugin noting each test's CPU: the worker's user+sys and its reaped children's (the
``python -m bot`` processes a test starts and waits for), one TSV line a test, a file a worker.

    PYTHONPATH=benchmarks CPU_PER_TEST=/tmp/cpu .venv/bin/python -m pytest -q -p pytest_cpu -n 2

writes ``/tmp/cpu-gw0.tsv`` … (node id, own CPU s, children's CPU s, wall s) and
``/tmp/cpu-gw0.total`` (the worker's own and children's CPU at its end).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

_OUT = os.environ.get("CPU_PER_TEST", "/tmp/cpu-per-test")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _cpu() -> tuple[float, float]:
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    own, children = _cpu()
    started = time.monotonic()
    yield
    own_after, children_after = _cpu()
    wall = time.monotonic() - started
    with open(f"{_OUT}-{_worker()}.tsv", "a", encoding="utf-8") as out:
        out.write(
            f"{item.nodeid}\t{own_after - own:.3f}\t{children_after - children:.3f}\t{wall:.3f}\n"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    own, children = _cpu()
    with open(f"{_OUT}-{_worker()}.total", "w", encoding="utf-8") as out:
        out.write(f"{own:.3f}\t{children:.3f}\n")
