"""Error reports to the coordinators are grouped and rate-limited (issue 7, item 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.telegram.context import services_of
from bot.telegram.error_reports import ErrorReports
from bot.telegram.handlers.errors import send_repeats
from tests.auxil.harness import LocalBot, start

COORDINATOR = 777


def test_one_report_per_kind_and_window_repeats_counted() -> None:
    now = [0.0]
    reports = ErrorReports(600, clock=lambda: now[0])
    assert reports.record("KeyError at a.py:1")
    assert [reports.record("KeyError at a.py:1") for _ in range(5)] == [False] * 5
    assert reports.record("ValueError at b.py:2")  # another kind is reported at once
    assert reports.due() == []  # the window is not over
    now[0] = 601
    assert reports.due() == [("KeyError at a.py:1", 5)]
    assert reports.due() == [] and not reports.pending
    now[0] = 1300
    assert reports.record("KeyError at a.py:1")  # a new window, nothing pending: at once


async def _boom(update: Update, context: object) -> None:
    raise RuntimeError("Bot API is down")


@pytest.mark.asyncio
async def test_a_storm_of_errors_gives_one_report_then_one_summary(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})))
    try:
        assert bot.app is not None
        now = [0.0]
        services_of(bot.app).error_reports = ErrorReports(600, clock=lambda: now[0])
        bot.app.add_handler(MessageHandler(filters.Regex("^boom$"), _boom), group=-5)
        coordinator = bot.user(COORDINATOR, name="Coordinator")
        students = [bot.user(5000 + n) for n in range(40)]
        for student in students:
            await bot.send(student, "boom")
        reports = [m.text for m in coordinator.messages]
        assert len(reports) == 1 and "RuntimeError" in reports[0]
        assert all(
            any("Sorry, something went wrong" in m.text for m in s.messages) for s in students
        )
        now[0] = 601
        await send_repeats(bot.app)
        assert len(coordinator.messages) == 2
        assert "39 more times in the last 10 minutes" in coordinator.last.text
        assert bot.app.job_queue is not None
        assert bot.app.job_queue.get_jobs_by_name("error-report-repeats")  # scheduled
    finally:
        await bot.stop()
