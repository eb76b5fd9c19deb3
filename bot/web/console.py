"""What the console's handlers share (:class:`Console`): the application's services, the
knowledge files' own version, and what is computed off the request path — the figures of
/stats, the unanswered questions grouped as ``/unanswered`` groups them, the leads' filter
choices (:class:`bot.web.refreshed.Refreshed`) — and the assistant prepared for grouping."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from bot.content.knowledge import KnowledgeBase, load_knowledge
from bot.reports import stats
from bot.storage import ReviewGroup
from bot.telegram.context import Services
from bot.understanding.answers import Assistant
from bot.understanding.grouping import Phrase, group_between, group_questions, pick_samples
from bot.web.refreshed import Refreshed

_LOGGER = logging.getLogger(__name__)
STATIC: Final = Path(__file__).parent / "static"
UNANSWERED_DAYS, MAX_QUESTIONS, SAMPLES = 30, 500, 3
STATS_TTL: Final = 60.0  # seconds the figures of /stats and the leads' filter choices are reused
UNANSWERED_TTL: Final = 5.0  # seconds after which the unanswered questions are read again


@dataclass(frozen=True)
class Shown:
    """A group of unanswered questions as the page shows it (titles added per language)."""

    id: int
    count: int
    samples: list[str]
    entries: tuple[str, ...]


def _shown(groups: list[ReviewGroup]) -> list[Shown]:
    """The groups as the page shows them, a few samples of each."""
    return [
        Shown(
            group.id,
            len(group.questions),
            pick_samples([(q.text, q.language) for q in group.questions], SAMPLES),
            group.entries,
        )
        for group in groups
    ]


async def _prepare(assistant: Assistant, sample: list[Phrase]) -> None:
    """Group ``sample`` with ``assistant`` in a worker thread (see :meth:`Console.prepared`);
    if that fails, the grouping itself builds what it needs (and reports its own failure)."""
    try:
        await asyncio.to_thread(group_questions, assistant, sample)
    except Exception:
        _LOGGER.exception("console: preparing the assistant for grouping failed")


class Console:
    """What the handlers share: the application's services, the bot token, the knowledge
    files' own version (the original every edit is compared with), and what is computed off
    the request path (:class:`Refreshed`): the figures of /stats, the unanswered questions
    grouped, the leads' filter choices. No API call waits for those: it serves the last value
    and, when it is stale, the next one is computed in the background (``pending`` says so,
    and the page asks again a moment later)."""

    def __init__(self, services: Services, token: str) -> None:
        self.services, self.token = services, token
        self.base: KnowledgeBase = load_knowledge(services.settings.knowledge_dir)
        self.stats: dict[int, Refreshed[stats.Stats]] = {}
        self.choices = Refreshed("lead choices", services.storage.lead_choices, STATS_TTL)
        self.unanswered = Refreshed("unanswered questions", self._group, UNANSWERED_TTL)
        self._listing: tuple[tuple[int, ...], int] | None = None  # questions grouped, listing
        self._prepared: tuple[Assistant, asyncio.Task[None]] | None = None

    def figures(self, days: int) -> Refreshed[stats.Stats]:
        """The figures of /stats for the last ``days`` days, recomputed at most once every
        :data:`STATS_TTL` seconds (the summary and its chart share them)."""
        if days not in self.stats:
            services = self.services

            async def collect() -> stats.Stats:
                return await stats.collect(
                    services.storage, days, datetime.now(UTC), services.settings.tzinfo
                )

            self.stats[days] = Refreshed(f"figures of {days} days", collect, STATS_TTL)
        return self.stats[days]

    def warm(self) -> None:
        """Start computing what the first calls ask for (at start)."""
        self.figures(stats.DEFAULT_DAYS).refresh()
        self.choices.refresh()

    def prepared(self, assistant: Assistant) -> asyncio.Task[None]:
        """``assistant`` made ready to group questions, once per assistant, in a worker thread.

        A first grouping with an assistant builds, in its first steps, what the matcher builds
        at its first question (the spelling corrector; Chinese at the first Chinese one) and
        the knowledge base's vocabulary: 0.1-0.3 s in one piece, which on the event loop held
        every API call in flight (the first ``leads`` call after the start took up to 0.3 s;
        BENCHMARKS.md, issue 22 session 4). Grouping the first entry's titles (one phrase a
        language) in a worker thread builds all of it, off the loop; the steps stay small.
        The console's start awaits it before listening; a new assistant (``/reload``, an
        edit, an example taught) is prepared before its first grouping.
        """
        if self._prepared is None or self._prepared[0] is not assistant:
            entry = next(iter(assistant.kb.entries.values()), None)
            sample = [Phrase(0, title) for title in entry.title.values()] if entry else []
            task = asyncio.create_task(_prepare(assistant, sample), name="console: preparing")
            self._prepared = (assistant, task)
        return self._prepared[1]

    async def _group(self) -> list[Shown]:
        """The unanswered questions grouped as ``/unanswered`` groups them (seconds for
        hundreds of questions, in steps of milliseconds between the other tasks); grouped
        again only when they changed."""
        services = self.services
        assistant = services.content.assistant
        questions = await services.storage.unreviewed_questions(
            timedelta(days=UNANSWERED_DAYS), assistant.config.answer_threshold, MAX_QUESTIONS
        )
        if not questions:
            return []
        key = (id(assistant), *(q.id for q in questions))
        if self._listing is None or self._listing[0] != key:
            await asyncio.shield(self.prepared(assistant))
            phrases = [Phrase(q.id, q.text) for q in questions]
            groups = await group_between(assistant, phrases)  # in steps, on the loop
            listing = await services.storage.save_listing([(g.ids, g.entries) for g in groups])
            self._listing = (key, listing)
        listed = await services.storage.listing_groups(self._listing[1])
        return await asyncio.to_thread(_shown, listed)  # off the event loop too

    def reviewed(self, group_id: int) -> None:
        """A group was learned or ignored: out of the listing shown, at once."""
        if self.unanswered.value is not None:
            self.unanswered.value = [g for g in self.unanswered.value if g.id != group_id]

    def stop(self) -> None:
        """Stop computing in the background."""
        self.choices.cancel()
        self.unanswered.cancel()
        if self._prepared is not None:
            self._prepared[1].cancel()
        for figures in self.stats.values():
            figures.cancel()

    def check_texts(self) -> None:
        """Every text the page asks for (``t("key")`` in its script) exists in every language,
        checked at start like the handlers' texts."""
        script = (STATIC / "console.js").read_text(encoding="utf-8")
        keys = set(re.findall(r'\bt\("([a-z_]*[a-z])"', script))  # not t("prefix_" + …)
        self.services.content.texts.require(keys, "conversations/console.yaml")

    def texts(self, lang: str) -> dict[str, str]:
        """The console's texts (``console_*``) and the statuses' names in ``lang``."""
        texts = self.services.content.texts
        keys = [k for k in texts.texts if k.startswith(("console_", "coordinator_status_"))]
        return {k: texts.get(k, lang) for k in keys}
