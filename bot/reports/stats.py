"""The statistics coordinators see with ``/stats`` and ``python -m bot stats``: plain code over
the storage, no Telegram.

What is counted, over the last N days in the bot's time zone (today included):

- **questions**: free-text questions the bot answered or declined (in chat or typed during the
  sign-up form), by outcome: *answered* directly (an entry, or "not among the lists"),
  *did you mean* (suggestions offered), *declined* (the polite fallback). Questions logged
  before the outcome was recorded (schema 3) without an entry are *unclassified*.
- **hand-offs**: questions passed on to a coordinator. The log does not record whether a
  coordinator answered, so only the hand-offs are counted.
- **top topics**: the entries most often answered; **languages**: of the questions.
- **sign-ups**: leads created in the period, per week (Monday first) and by their status now:
  open (new or updated), contacted, not relevant. Leads deleted since (``/forget``, retention)
  are not counted.
"""

from __future__ import annotations

import asyncio
import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo

from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.content.texts import Texts
from bot.storage import Outcome, SignUp, Storage

ANSWERED, DID_YOU_MEAN, DECLINED, UNCLASSIFIED, HANDOFF = (
    "answered",
    "did_you_mean",
    "declined",
    "unclassified",
    "handoff",
)
OUTCOMES = (ANSWERED, DID_YOU_MEAN, DECLINED, UNCLASSIFIED)
OPEN, CONTACTED, NOT_RELEVANT = "open", "contacted", "not_relevant"
LEAD_GROUPS = (OPEN, CONTACTED, NOT_RELEVANT)
DEFAULT_DAYS, MAX_DAYS = 30, 365
TOP_TOPICS = 5
# matplotlib's bundled font has no Chinese glyphs: charts are labelled in English for zh.
CHART_LANGUAGES = ("en", "fr")

TEXTS = frozenset(
    {
        "stats_title",
        "stats_questions",
        "stats_outcomes",
        "stats_unclassified",
        "stats_topics",
        "stats_languages",
        "stats_handoffs",
        "stats_handoffs_answered",
        "stats_signups",
        "stats_weeks",
        "stats_none",
        "stats_outcome_answered",
        "stats_outcome_did_you_mean",
        "stats_outcome_declined",
        "stats_outcome_unclassified",
        "stats_lead_open",
        "stats_lead_contacted",
        "stats_lead_not_relevant",
        "stats_chart_questions",
        "stats_chart_signups",
    }
)


def outcome_of(intent: str | None, kind: str | None) -> str:
    """The outcome of a logged question (see the module's docstring)."""
    if HANDOFF in (kind, intent):
        return HANDOFF
    if kind == "suggest":
        return DID_YOU_MEAN
    if intent is not None:
        return ANSWERED
    return DECLINED if kind is not None else UNCLASSIFIED


def lead_group(status: str) -> str:
    """``new`` and ``updated`` leads are open; the coordinators' verdicts are their own."""
    return status if status in (CONTACTED, NOT_RELEVANT) else OPEN


@dataclass(frozen=True)
class Stats:
    """The figures of one period. Days and weeks are local dates, oldest first."""

    days: int
    first_day: date
    last_day: date
    per_day: dict[date, Counter[str]]
    topics: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    handoffs: int = 0
    per_week: dict[date, Counter[str]] = field(default_factory=dict)
    conversations: int = 0  # conversations with the coordinators opened in the period
    answered: int = 0  # of which a coordinator answered

    @property
    def outcomes(self) -> Counter[str]:
        """Questions per outcome over the period."""
        return _total(self.per_day.values())

    @property
    def questions(self) -> int:
        """Questions asked (hand-offs not included)."""
        return sum(self.outcomes.values())

    @property
    def lead_groups(self) -> Counter[str]:
        """Sign-ups per status group over the period."""
        return _total(self.per_week.values())

    @property
    def sign_ups(self) -> int:
        """Leads created in the period."""
        return sum(self.lead_groups.values())


def _total(counters: Iterable[Counter[str]]) -> Counter[str]:
    """The counts of every counter added up (zero counts kept)."""
    total: Counter[str] = Counter()
    for counts in counters:
        total.update(counts)
    return total


def period_start(days: int, now: datetime, zone: tzinfo) -> datetime:
    """Local midnight ``days - 1`` days before today: the period includes today."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=zone)


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def compute(
    outcomes: list[Outcome], sign_ups: list[SignUp], days: int, now: datetime, zone: tzinfo
) -> Stats:
    """The figures of the ``days`` days up to ``now`` from the logged rows."""
    start = period_start(days, now, zone)
    first_day, last_day = start.date(), now.astimezone(zone).date()
    per_day: dict[date, Counter[str]] = {
        first_day + timedelta(days=n): Counter() for n in range((last_day - first_day).days + 1)
    }
    topics: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    handoffs = 0
    for row in outcomes:
        day = row.asked_at.astimezone(zone).date()
        if day not in per_day:
            continue
        outcome = outcome_of(row.intent, row.kind)
        if outcome == HANDOFF:
            handoffs += 1
            continue
        per_day[day][outcome] += 1
        languages[row.language] += 1
        if outcome == ANSWERED and row.intent is not None:
            topics[row.intent] += 1
    per_week: dict[date, Counter[str]] = {}
    week = week_of(first_day)
    while week <= last_day:
        per_week[week] = Counter()
        week += timedelta(days=7)
    for lead in sign_ups:
        day = lead.created_at.astimezone(zone).date()
        if first_day <= day <= last_day:
            per_week[week_of(day)][lead_group(lead.status)] += 1
    return Stats(days, first_day, last_day, per_day, topics, languages, handoffs, per_week)


async def collect(storage: Storage, days: int, now: datetime, zone: tzinfo) -> Stats:
    """Read what the figures need from the storage and compute them."""
    since = period_start(days, now, zone)
    outcomes, sign_ups = await storage.question_outcomes(since), await storage.sign_ups(since)
    # In a worker thread: tens of milliseconds with 10,000 leads, which the event loop (the
    # bot's replies, the console's calls) does not wait for.
    figures = await asyncio.to_thread(compute, outcomes, sign_ups, days, now, zone)
    conversations, answered = await storage.handoff_counts(since)
    return replace(figures, conversations=conversations, answered=answered)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def summary(stats: Stats, texts: Texts, kb: KnowledgeBase, lang: str) -> str:
    """The short text of ``/stats`` (Telegram HTML) in ``lang``."""
    outcomes, total = stats.outcomes, stats.questions
    lines = [
        texts.get(
            "stats_title",
            lang,
            days=stats.days,
            first=stats.first_day.isoformat(),
            last=stats.last_day.isoformat(),
        ),
        "",
        texts.get("stats_questions", lang, count=total),
    ]
    if total:
        lines.append(
            texts.get(
                "stats_outcomes",
                lang,
                answered=outcomes[ANSWERED],
                answered_share=_share(outcomes[ANSWERED], total),
                did_you_mean=outcomes[DID_YOU_MEAN],
                did_you_mean_share=_share(outcomes[DID_YOU_MEAN], total),
                declined=outcomes[DECLINED],
                declined_share=_share(outcomes[DECLINED], total),
            )
        )
        if outcomes[UNCLASSIFIED]:
            lines.append(texts.get("stats_unclassified", lang, count=outcomes[UNCLASSIFIED]))
    if stats.topics:
        top = ", ".join(
            f"{html.escape(_title(kb, topic, lang))} ({count})"
            for topic, count in stats.topics.most_common(TOP_TOPICS)
        )
        lines.append(texts.get("stats_topics", lang, topics=top))
    if stats.languages:
        spoken = ", ".join(
            f"{_language_name(texts, code)} {_share(count, total)}"
            for code, count in stats.languages.most_common()
        )
        lines.append(texts.get("stats_languages", lang, languages=spoken))
    lines.append(texts.get("stats_handoffs", lang, count=stats.handoffs))
    if stats.conversations:
        lines.append(
            texts.get(
                "stats_handoffs_answered",
                lang,
                count=stats.conversations,
                answered=stats.answered,
            )
        )
    groups = stats.lead_groups
    lines += [
        "",
        texts.get(
            "stats_signups",
            lang,
            count=stats.sign_ups,
            open=groups[OPEN],
            contacted=groups[CONTACTED],
            not_relevant=groups[NOT_RELEVANT],
        ),
    ]
    if stats.sign_ups:
        weeks = ", ".join(
            f"{week.strftime('%m-%d')}: {sum(counts.values())}"
            for week, counts in stats.per_week.items()
        )
        lines.append(texts.get("stats_weeks", lang, weeks=weeks))
    if not total and not stats.handoffs and not stats.sign_ups:
        lines.append(texts.get("stats_none", lang))
    return "\n".join(lines)


def chart_labels(texts: Texts, lang: str) -> dict[str, str]:
    """The chart's titles and legend names (plain text) in ``lang``, or English for a
    language the chart's font cannot draw."""
    lang = lang if lang in CHART_LANGUAGES else "en"
    labels = {name: texts.get(f"stats_outcome_{name}", lang) for name in OUTCOMES}
    labels |= {name: texts.get(f"stats_lead_{name}", lang) for name in LEAD_GROUPS}
    labels["questions"] = texts.get("stats_chart_questions", lang)
    labels["signups"] = texts.get("stats_chart_signups", lang)
    return {key: html.unescape(value) for key, value in labels.items()}


def _title(kb: KnowledgeBase, topic: str, lang: str) -> str:
    """An entry's title, or its id when it is no longer in the knowledge base."""
    return kb.title(topic, lang) if topic in kb.entries or topic in kb.items else topic


def _language_name(texts: Texts, code: str) -> str:
    key = f"language_name_{code}"
    return texts.get(key, code) if code in LANGUAGES and key in texts.texts else code
