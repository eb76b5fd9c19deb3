"""What the bot says, loaded from files: the assistant (knowledge, learned examples, matcher,
texts), the menus, the sign-up form and the group settings — at start, and again on ``/reload``
or when a coordinator adds an example, swapped into the running bot at once
(:class:`LiveContent`, the services' ``content``).

A new version is built and checked completely before it replaces the running one, by
:func:`load_content` — the one validation of the start, ``/reload``, adding examples and
``python -m bot kb check``: the files' own rules, then everything the bot will send as
Telegram would take it (its HTML subset and length of every answer and text, button data,
deep-link ids). If anything is wrong the running version stays and every problem is
reported, each with its file and entry. A swap never breaks a student's form: the sign-up
conversation's states are the form's step ids, registered at start, so a version whose form
has other steps (or fewer choices at a step) is refused until the bot restarts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.forms import Form
from bot.content.knowledge import KnowledgeError
from bot.content.languages import LANGUAGES
from bot.content.learned import (
    FILE_NAME,
    Sources,
    add_examples,
    count,
    dump_learned,
    example_text,
    load_learned,
    load_sources,
    without_questions,
    write_atomically,
    write_learned,
)
from bot.content.menus import Menus
from bot.content.overrides import overrides_path
from bot.content.sharing import SharingSettings, is_start_parameter
from bot.content.texts import Texts, placeholders, renderings
from bot.settings import Settings
from bot.storage import FORM_FIELDS, LEARNED, REQUIRED_FORM_FIELDS, ReviewGroup
from bot.telegram.callbacks import encode
from bot.telegram_rules import MESSAGE_LIMIT, FormattingError, parse_html, utf16_len
from bot.understanding.answers import Assistant
from bot.understanding.embedding import forget_texts, link_prebuilt

if TYPE_CHECKING:
    from bot.telegram.context import Services


@dataclass(frozen=True)
class Content:
    """One consistent version of everything the bot says: the assistant (knowledge, learned
    examples, matcher, texts), the menus, the sign-up form and the group settings."""

    assistant: Assistant
    menus: Menus
    form: Form
    sharing: SharingSettings  # conversations/groups.yaml: inline mode and groups

    @property
    def texts(self) -> Texts:
        """The user-facing texts (``conversations/*.yaml``)."""
        return self.assistant.texts


class LiveContent:
    """The version the running bot says things from (``services.content``): one reference,
    swapped whole by :meth:`reload`, so no handler sees half of two versions; its lock lets one
    rebuild run at a time (``/reload``, adding examples, the console's edits)."""

    def __init__(self, settings: Settings, version: Content) -> None:
        self.settings = settings
        self.version = version
        self.lock = asyncio.Lock()

    @property
    def assistant(self) -> Assistant:
        return self.version.assistant

    @property
    def texts(self) -> Texts:
        return self.version.texts

    @property
    def menus(self) -> Menus:
        return self.version.menus

    @property
    def form(self) -> Form:
        return self.version.form

    @property
    def sharing(self) -> SharingSettings:
        return self.version.sharing

    async def reload(self) -> Content:
        """Build a new version from the files (in a worker thread: the bot keeps answering
        meanwhile) and swap it in; raise KnowledgeError and keep the running one if it is
        invalid or the running handlers could not use it. The caller holds :attr:`lock`; the
        old assistant's caches go with the old version. The new assistant's spelling
        correctors are built in that thread too, not by the next question on the event loop
        (0.2-0.3 s that every update in flight would wait for)."""
        new = await asyncio.to_thread(_load_ready, self.settings)
        problems = compatibility_problems(self.version, new)
        if problems:
            raise KnowledgeError(problems)
        self.version = new
        return new


def _load_ready(settings: Settings) -> Content:
    """:func:`load_content`, with the assistant's spelling correctors built."""
    new = load_content(settings)
    new.assistant.matcher.build_spelling()
    return new


def learned_path(settings: Settings) -> Path:
    """Where coordinators' learned examples are kept (in the data directory)."""
    return settings.data_dir / FILE_NAME


def load_content(settings: Settings, *, semantic: bool = True) -> Content:
    """Load knowledge, learned examples, texts, menus, the form and the group settings, and
    check them as Telegram would (:func:`telegram_problems`); raise KnowledgeError listing
    every problem. The knowledge base's sentence embeddings are cached in the data dir (with
    the image's prebuilt cache linked in); ``semantic=False`` loads no embedding model
    (``kb check``), nor does ``BOT_SEMANTIC=off``."""
    if semantic and settings.semantic:
        link_prebuilt(settings.cache_dir, settings.prebuilt_cache_dir)
    assistant = Assistant.load(
        settings.knowledge_dir,
        settings.conversations_dir,
        learned=learned_path(settings),
        overrides=overrides_path(settings.data_dir),
        cache_dir=settings.cache_dir,
        semantic=semantic and settings.semantic,
    )
    menus = Menus.load(settings.conversations_dir / "menus.yaml", assistant.kb, assistant.texts)
    form = Form.load(
        settings.conversations_dir / "signup.yaml",
        assistant.kb,
        assistant.texts,
        fields=FORM_FIELDS,
        required=REQUIRED_FORM_FIELDS,
    )
    sharing = SharingSettings.load(settings.conversations_dir / "groups.yaml")
    problems = telegram_problems(assistant)
    if problems:
        raise KnowledgeError(problems)
    return Content(assistant, menus, form, sharing)


def telegram_problems(assistant: Assistant) -> list[str]:
    """What Telegram would refuse: an id too long for button data or unfit for a deep link,
    an answer (in any language) or a text that is not valid Telegram HTML, empty or too long."""
    kb, problems = assistant.kb, []
    for topic_id in [*kb.entries, *kb.items]:
        where = _topic_source(assistant, topic_id)
        try:
            encode(f"topic:{topic_id}")
            encode(f"items:{topic_id}:99")
        except ValueError:
            problems.append(f"{where}: id is too long for Telegram's 64-byte button data")
        if not is_start_parameter(topic_id):
            problems.append(f"{where}: id cannot be a deep link (t.me/<bot>?start=<id>)")
        for lang in LANGUAGES:
            reply = assistant.topic_reply(topic_id, lang)
            problems += _html_problems(f"{where}: answer.{lang}", reply.text)
    texts = assistant.texts
    for key, by_language in texts.texts.items():
        if key.startswith(("button_", "command_")):
            continue  # plain text, not HTML
        for lang, template in by_language.items():
            where = f"{texts.sources.get(key, 'conversations')}: text '{key}' ({lang})"
            for text in dict.fromkeys(renderings(template)):
                problems += _html_problems(where, text)
    return problems


def _topic_source(assistant: Assistant, topic_id: str) -> str:
    """``file: entry 'id'``, or for a named item the files of the lists it is in."""
    kb = assistant.kb
    if topic_id in kb.entries:
        return f"{kb.entries[topic_id].source}: entry '{topic_id}'"
    memberships = kb.items[topic_id].memberships
    files = dict.fromkeys(kb.entries[m.entry_id].source for m in memberships)
    return f"{', '.join(files)}: item '{topic_id}'"


def _html_problems(where: str, text: str) -> list[str]:
    """Telegram's rules for a message: its HTML subset, at most 4,096 characters."""
    try:
        plain, _ = parse_html(text)
    except FormattingError as error:
        return [f"{where}: not valid Telegram HTML: {error}"]
    if not plain.strip() or utf16_len(plain) > MESSAGE_LIMIT:
        return [f"{where}: empty or longer than {MESSAGE_LIMIT} characters"]
    return []


def compatibility_problems(running: Content, new: Content) -> list[str]:
    """What in ``new`` the running handlers could not use: a text key that disappeared or
    changed its placeholders, or sign-up steps that differ (forms in progress rely on them)."""
    problems: list[str] = []
    old_texts, new_texts = running.texts.texts, new.texts.texts
    for key, by_language in old_texts.items():
        if key not in new_texts:
            problems.append(f"text '{key}' is missing (the running bot uses it)")
        elif placeholders(new_texts[key]["en"]) != placeholders(by_language["en"]):
            problems.append(
                f"text '{key}': its placeholders changed "
                f"({sorted(placeholders(by_language['en']))}); restart the bot for that"
            )
    old_steps = [(s.id, s.kind) for s in running.form.steps]
    new_steps = [(s.id, s.kind) for s in new.form.steps]
    if new_steps != old_steps:
        problems.append(
            f"signup.yaml: the form's steps changed ({', '.join(i for i, _ in old_steps)} → "
            f"{', '.join(i for i, _ in new_steps)}); forms in progress rely on them: restart "
            "the bot for that"
        )
        return problems
    for old, step in zip(running.form.steps, new.form.steps, strict=True):
        removed = set(old.choices) - set(step.choices)
        if removed:
            problems.append(
                f"signup.yaml: step '{step.id}': choices removed ({', '.join(sorted(removed))});"
                " a student may be about to press one: restart the bot for that"
            )
    return problems


async def prune_learned(services: Services) -> int:
    """Remove the learned examples copied from questions no longer stored (the student used
    /forget, or the retention purge deleted them), with every cached embedding of them, and
    install the knowledge base without them; how many examples went."""
    path = learned_path(services.settings)
    async with services.content.lock:
        sources = load_sources(path)
        if not sources:
            return 0
        gone = set(sources.values()) - await services.storage.existing_questions(sources.values())
        if not gone:
            return 0
        learned = load_learned(path, services.content.assistant.kb)
        kept, left = without_questions(learned, sources, gone)
        write_learned(path, kept, left)
        forget_texts(services.settings.data_dir / "cache", set(sources) - set(left))
        await services.content.reload()
    return count(learned) - count(kept)


async def learn_group(
    services: Services, group: ReviewGroup, entry_id: str, written: list[str] | None = None
) -> int:
    """Append a review group's phrasings (text and language, nothing else) to the
    learned-examples file, rebuild the assistant from the files and swap it in, then mark the
    group learned; how many examples were added. On a problem the file is put back, nothing
    changes and KnowledgeError is raised. Used by ``/unanswered`` and the console alike.

    ``written`` (the coordinator's own phrasings, "Edit") are added instead of the students'
    texts and linked to no question; a student's text is kept with the id of its question, so
    that it goes when that question is deleted (/forget, retention: :func:`prune_learned`)."""
    assistant = services.content.assistant
    sources: Sources = {}
    if written is None:
        oldest_first = list(reversed(group.questions))  # each in the language it was written in
        phrases = [(assistant.answer(q.text).language, q.text) for q in oldest_first]
        sources = {example_text(q.text): q.id for q in oldest_first}
    else:
        phrases = [(assistant.answer(text).language, text) for text in written]
    path = learned_path(services.settings)
    async with services.content.lock:
        learned = load_learned(path, assistant.kb)
        updated = add_examples(learned, entry_id, phrases)
        await rewrite_and_reload(
            services, path, lambda: dump_learned(updated, {**load_sources(path), **sources})
        )
    await services.storage.resolve_group(group.id, LEARNED)
    return count(updated) - count(learned)


async def rewrite_and_reload(services: Services, path: Path, text: Callable[[], str]) -> None:
    """Write ``text()`` to ``path`` (atomically) and apply it as ``/reload`` does; if the
    rebuilt content is refused, put the file back as it was (or remove it if it did not exist)
    and raise KnowledgeError: nothing changes. The one way the console's answer overrides and
    the learned examples are written. The caller holds ``services.content.lock``."""
    previous = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        write_atomically(path, text())
        await services.content.reload()
    except KnowledgeError:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            write_atomically(path, previous)
        raise
