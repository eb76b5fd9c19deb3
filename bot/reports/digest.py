"""The coordinators' digest as Telegram HTML messages: leads grouped by area, counts, and the
questions the bot could not answer."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Final

from bot.content.knowledge import KnowledgeBase
from bot.content.names import clean_name
from bot.content.texts import Texts
from bot.reports.labels import area_title, choice_label, language_name, status_label, text_or
from bot.storage import DigestData, Lead
from bot.storage.digests import NOT_CONTACTED
from bot.telegram_rules import MESSAGE_LIMIT, split_lines

NOT_SURE: Final = ""  # the group of leads who chose no area
QUESTION_CHARS: Final = 200  # a quoted question is cut after this many characters


def when(value: datetime, zone: tzinfo) -> str:
    """A timestamp as local ``YYYY-MM-DD HH:MM``."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def render_digest(
    data: DigestData,
    *,
    kb: KnowledgeBase,
    texts: Texts,
    lang: str,
    zone: tzinfo,
    number: int | None = None,
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """The digest as messages of at most ``limit`` characters. ``number`` is the scheduled
    digest's number; None for one asked for with /digest. Student-supplied text is escaped."""
    since = (
        when(data.since, zone) if data.since is not None else texts.get("digest_since_start", lang)
    )
    window = {"since": since, "until": when(data.until, zone)}
    if number is None:
        title = texts.get("digest_title_now", lang, **window)
    else:
        title = texts.get("digest_title", lang, number=number, **window)
    lines = [title, ""]
    lines += _counts(data, texts, lang)
    lines += ["", *_areas(data.leads, kb, texts, lang)]
    lines += ["", *_questions(data, texts, lang)]
    return split_lines(lines, limit)


def _counts(data: DigestData, texts: Texts, lang: str) -> list[str]:
    if not data.leads:
        return [
            texts.get("digest_no_leads", lang),
            texts.get("digest_backlog", lang, total=data.not_contacted),
        ]
    statuses = Counter(lead.status for lead in data.leads)
    new = statuses["new"]
    waiting = sum(statuses[s] for s in NOT_CONTACTED)
    return [
        texts.get(
            "digest_totals",
            lang,
            leads=len(data.leads),
            new=new,
            updated=len(data.leads) - new,
        ),
        texts.get("digest_not_contacted", lang, here=waiting, total=data.not_contacted),
        texts.get(
            "digest_by_language",
            lang,
            counts=_tally(language_name(texts, lead.language) for lead in data.leads),
        ),
        texts.get(
            "digest_by_level",
            lang,
            counts=_tally(_level(texts, lead, lang) for lead in data.leads),
        ),
    ]


def _tally(values: Iterable[str]) -> str:
    """ "PhD student 2 · Other 1", most frequent first (escaped)."""
    counts = Counter(values)
    return " · ".join(f"{html.escape(value)} {count}" for value, count in counts.most_common())


def _level(texts: Texts, lead: Lead, lang: str) -> str:
    if not lead.level:
        return text_or(texts, "signup_value_skipped", lang, "—")
    return choice_label(texts, "level", lead.level, lang)


def _areas(leads: list[Lead], kb: KnowledgeBase, texts: Texts, lang: str) -> list[str]:
    """One group per area (largest first, "not sure yet" last); a lead under each of its."""
    groups: dict[str, list[Lead]] = {}
    for lead in leads:
        for area in lead.interests or (NOT_SURE,):
            groups.setdefault(area, []).append(lead)
    titles = {
        area: texts.get("digest_area_not_sure", lang)
        if area == NOT_SURE
        else area_title(kb, area, lang)
        for area in groups
    }
    order = sorted(groups, key=lambda a: (a == NOT_SURE, -len(groups[a]), titles[a].casefold()))
    lines: list[str] = []
    for area in order:
        heading = texts.get(
            "digest_area", lang, area=html.escape(titles[area]), count=len(groups[area])
        )
        lines += [heading, *(_lead_line(lead, texts, lang) for lead in groups[area])]
    return lines


def _lead_line(lead: Lead, texts: Texts, lang: str) -> str:
    skipped = text_or(texts, "signup_value_skipped", lang, "—")
    return texts.get(
        "digest_lead",
        lang,
        name=html.escape(clean_name(lead.name)),
        email=html.escape(lead.email),
        level=html.escape(_level(texts, lead, lang)),
        university=html.escape(lead.university or skipped),
        country=html.escape(lead.country or skipped),
        language=html.escape(language_name(texts, lead.language)),
        status=status_label(texts, lead.status, lang),
    )


def _questions(data: DigestData, texts: Texts, lang: str) -> list[str]:
    if not data.unanswered:
        return [texts.get("digest_no_questions", lang)]
    lines = [texts.get("digest_questions", lang, count=data.unanswered)]
    for rank, (text, count) in enumerate(data.top_questions, 1):
        short = text if len(text) <= QUESTION_CHARS else text[: QUESTION_CHARS - 1] + "…"
        lines.append(
            texts.get(
                "digest_question",
                lang,
                rank=rank,
                text=html.escape(" ".join(short.split())),
                count=count,
            )
        )
    return lines
