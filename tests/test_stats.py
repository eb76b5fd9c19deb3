"""Coordinators' statistics: the figures (plain code), /stats over HTTP with its chart, the
command line, who may ask, and matplotlib loaded only when a chart is drawn."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.reports import stats
from bot.settings import REPOSITORY
from bot.storage import Lead, Outcome, SignUp, Storage
from bot.telegram.context import services_of
from bot.understanding.answers import Assistant
from bot.understanding.context import Dialogue
from telegram_emulator.images import PNG_SIGNATURE, image_size
from tests.auxil.harness import HttpBot, LocalBot, share_matcher_cache, start

COORDINATOR = 777
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai, a Saturday


def lead(user_id: int, lang: str = "en") -> Lead:
    return Lead(
        user_id=user_id,
        name=f"Student {user_id}",
        email=f"s{user_id}@example.org",
        language=lang,
        consent_at=NOW,
    )


# ───────────────────────────────────────── the figures


def test_outcomes_are_told_apart_by_the_logged_kind() -> None:
    assert stats.outcome_of("fees", "answer") == stats.ANSWERED
    assert stats.outcome_of("lab-list", "not_listed") == stats.ANSWERED
    assert stats.outcome_of(None, "suggest") == stats.DID_YOU_MEAN
    assert stats.outcome_of(None, "fallback") == stats.DECLINED
    assert stats.outcome_of("handoff", "handoff") == stats.HANDOFF
    assert stats.outcome_of("handoff", None) == stats.HANDOFF  # logged before schema 3
    assert stats.outcome_of("fees", None) == stats.ANSWERED
    assert stats.outcome_of(None, None) == stats.UNCLASSIFIED


def test_days_and_weeks_are_local_and_the_period_includes_today() -> None:
    def asked(at: datetime, kind: str = "answer", intent: str | None = "fees") -> Outcome:
        return Outcome(at, "en", intent, kind)

    outcomes = [
        asked(datetime(2026, 11, 27, 16, 30, tzinfo=UTC)),  # Saturday 00:30 in Shanghai
        asked(datetime(2026, 11, 27, 15, 30, tzinfo=UTC), "suggest", None),  # Friday 23:30
        asked(datetime(2026, 11, 20, 15, 59, tzinfo=UTC), "fallback", None),  # before the week
        asked(datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "handoff", "handoff"),
    ]
    sign_ups = [
        SignUp(datetime(2026, 11, 23, 1, 0, tzinfo=UTC), "new"),  # Monday
        SignUp(datetime(2026, 11, 22, 1, 0, tzinfo=UTC), "contacted"),  # Sunday: week before
        SignUp(datetime(2026, 11, 24, 1, 0, tzinfo=UTC), "updated"),
    ]
    figures = stats.compute(outcomes, sign_ups, 7, NOW, SHANGHAI)
    assert (figures.first_day.isoformat(), figures.last_day.isoformat()) == (
        "2026-11-22",
        "2026-11-28",
    )
    assert len(figures.per_day) == 7
    assert figures.per_day[datetime(2026, 11, 28).date()] == Counter({stats.ANSWERED: 1})
    assert figures.per_day[datetime(2026, 11, 27).date()] == Counter({stats.DID_YOU_MEAN: 1})
    assert figures.questions == 2 and figures.handoffs == 1
    assert figures.topics == Counter({"fees": 1})
    assert [w.isoformat() for w in figures.per_week] == ["2026-11-16", "2026-11-23"]
    assert figures.per_week[datetime(2026, 11, 16).date()] == Counter({stats.CONTACTED: 1})
    assert figures.per_week[datetime(2026, 11, 23).date()] == Counter({stats.OPEN: 2})
    assert figures.sign_ups == 3


def test_summary_in_three_languages(assistant: Assistant) -> None:
    outcomes = [
        Outcome(NOW, "en", "fees", "answer"),
        Outcome(NOW, "fr", "fees", "answer"),
        Outcome(NOW, "zh", None, "fallback"),
        Outcome(NOW, "en", None, None),
    ]
    figures = stats.compute(outcomes, [SignUp(NOW, "not_relevant")], 30, NOW, SHANGHAI)
    english = stats.summary(figures, assistant.texts, assistant.kb, "en")
    assert "Questions asked: <b>4</b>" in english
    assert "answered directly: 2 (50%)" in english
    assert "declined: 1 (25%)" in english
    assert "not classified (logged before outcomes were recorded): 1" in english
    assert "Top topics: Fees (2)" in english
    assert "Languages: English 50%, Français 25%, 中文 25%" in english
    assert "not relevant 1" in english
    assert "réponse directe : 2 (50%)" in stats.summary(
        figures, assistant.texts, assistant.kb, "fr"
    )
    assert "直接回答：2（50%）" in stats.summary(figures, assistant.texts, assistant.kb, "zh")
    empty = stats.compute([], [], 30, NOW, SHANGHAI)
    assert "Nothing happened" in stats.summary(empty, assistant.texts, assistant.kb, "en")


def test_chart_labels_are_english_for_chinese(assistant: Assistant) -> None:
    assert stats.chart_labels(assistant.texts, "zh") == stats.chart_labels(assistant.texts, "en")
    assert stats.chart_labels(assistant.texts, "fr")["questions"] == "Questions par jour"


# ───────────────────────────────────────── /stats over HTTP


def expected_outcomes(assistant: Assistant, students: list[list[str]]) -> Counter[str]:
    """What the bot's own answers make of each student's questions, in order, in their
    conversation (whatever the matcher does)."""
    outcomes: Counter[str] = Counter()
    for questions in students:
        dialogue = Dialogue(assistant)
        for question in questions:
            reply = dialogue.reply(question)
            outcomes[stats.outcome_of(reply.intent, reply.kind)] += 1
    return outcomes


@pytest.mark.asyncio
async def test_stats_over_http_agree_with_the_questions_asked(
    tmp_path: Path, assistant: Assistant
) -> None:
    english = ["what are the fees?", "is housing free?", "tell me a joke", "hospital lab research"]
    french = ["combien de temps dure l'échange ?", "quel temps fera-t-il à Paris demain ?"]
    expected = expected_outcomes(assistant, [english, french, ["tell me a joke"]])
    total = sum(expected.values())
    async with HttpBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        await start(bot)
        assert bot.app is not None
        coordinator = bot.user(COORDINATOR, "en", "Coord")
        ana, bea, cao = bot.user(1, "en"), bot.user(2, "fr", "Bea"), bot.user(3, "en", "Cao")
        for question in english:
            await bot.send(ana, question)
        for question in french:
            await bot.send(bea, question)
        await bot.send(cao, "tell me a joke")  # declined, then passed on to a coordinator
        await bot.press(cao, "💬 Ask a coordinator")
        await bot.send(cao, "When is the deadline?")
        assert "passed on" in cao.last.text
        storage = services_of(bot.app).storage
        await storage.upsert_lead(lead(1))
        await storage.upsert_lead(lead(2, "fr"))
        await storage.set_lead_status(2, "contacted", COORDINATOR)

        await bot.send(coordinator, "/stats")
        text, chart = coordinator.messages[-2:]
        assert bot.emulator.errors == []

    share = {k: f"{expected[k] / total:.0%}" for k in stats.OUTCOMES}
    assert text.text.startswith("📊 Statistics, last 30 days")
    assert f"Questions asked: {total}" in text.text
    assert f"answered directly: {expected[stats.ANSWERED]} ({share['answered']})" in text.text
    assert (
        f"with “did you mean”: {expected[stats.DID_YOU_MEAN]} ({share['did_you_mean']})"
        in text.text
    )
    assert f"declined: {expected[stats.DECLINED]} ({share['declined']})" in text.text
    assert "Questions passed on to a coordinator: 1" in text.text
    assert "Sign-ups: 2 — new or updated 1, contacted 1, not relevant 0" in text.text
    assert "English" in text.text and "Français" in text.text
    assert "Fees (1)" in text.text
    assert chart.photo is not None and chart.photo.data.startswith(PNG_SIGNATURE)
    assert image_size(chart.photo.data) == (800, 600)


@pytest.mark.asyncio
async def test_stats_days_argument(tmp_path: Path) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        coordinator = bot.user(COORDINATOR, "fr", "Coord")
        await bot.send(coordinator, "/stats 7")
        assert coordinator.messages[-2].text.startswith("📊 Statistiques des 7 derniers jours")
        assert coordinator.last.photo is not None
        for wrong in ("/stats 0", "/stats 366", "/stats week", "/stats 7 8"):
            await bot.send(coordinator, wrong)
            assert coordinator.last.text.startswith("Utilisation : /stats [jours]"), wrong
        assert bot.emulator.errors == []


# ───────────────────────────────────────── who may ask


@pytest.mark.asyncio
@pytest.mark.parametrize("command", ["/stats", "/stats 7", "/announce"])
async def test_students_get_the_unknown_command_reply(tmp_path: Path, command: str) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})) as bot:
        student = bot.user(5, "en")
        await bot.send(student, "/nosuchcommand")
        unknown = student.last.text
        await bot.send(student, command)
        assert student.last.text == unknown
        assert all(m.photo is None for m in student.messages)


# ───────────────────────────────────────── the command line


async def populate(path: Path) -> None:
    storage = await Storage.open(path)
    await storage.log_question(1, "en", "what are the fees?", "fees", 1.0, kind="answer")
    await storage.log_question(1, "en", "tell me a joke", None, 0.0, kind="fallback")
    await storage.upsert_lead(lead(1))
    await storage.close()


def test_command_line_prints_the_figures_and_draws_the_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(populate(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    png = tmp_path / "chart.png"
    assert main(["stats", "--days", "7", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("📊 Statistics, last 7 days")
    assert "Questions asked: 2" in out and "declined: 1 (50%)" in out
    assert "<b>" not in out
    assert image_size(png.read_bytes()) == (800, 600)
    assert main(["stats", "--lang", "fr"]) == 0
    assert "Questions posées : 2" in capsys.readouterr().out
    assert main(["stats", "--days", "0"]) == 2
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "nowhere"))
    assert main(["stats"]) == 1
    assert "no database" in capsys.readouterr().err


# ───────────────────────────────────────── matplotlib only when drawing


@pytest.mark.process
def test_matplotlib_is_imported_only_when_a_chart_is_drawn(tmp_path: Path) -> None:
    code = f"""
import asyncio, sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from bot.settings import Settings
from bot.telegram.application import build_application
from bot.telegram.context import services_of
from bot.reports import charts, stats
app = build_application(replace(Settings(), data_dir=Path({str(tmp_path)!r})))
assert "matplotlib" not in sys.modules, "imported at start"
assistant = services_of(app).content.assistant
figures = stats.compute([], [], 30, datetime.now(UTC), ZoneInfo("Asia/Shanghai"))
stats.summary(figures, assistant.texts, assistant.kb, "en")
assert "matplotlib" not in sys.modules, "imported by the text"
png = charts.draw(figures, stats.chart_labels(assistant.texts, "en"))
assert "matplotlib" in sys.modules and png.startswith(b"\\x89PNG")
print("ok")
"""
    share_matcher_cache(tmp_path / "cache")  # a first start is test_first_start.py's
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPOSITORY, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr
