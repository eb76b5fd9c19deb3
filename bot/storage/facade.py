"""The :class:`Storage` facade: opens the database, creates the stores over it, and lends
each store's public methods its own name (``storage.get_lead`` is ``storage.leads.get_lead``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from bot.storage.activity import ActivityStore
from bot.storage.announcements import AnnouncementStore
from bot.storage.codec import utcnow
from bot.storage.database import Database, Store, Synchronous
from bot.storage.digests import DigestStore
from bot.storage.errors import DatabaseFileError
from bot.storage.handoffs import HandoffStore
from bot.storage.inbox import InboxStore
from bot.storage.languages import LanguageStore
from bot.storage.leads import LeadStore
from bot.storage.privacy import PrivacyStore
from bot.storage.questions import QuestionStore
from bot.storage.relays import RelayStore
from bot.storage.reviews import ReviewStore
from bot.storage.state import StateStore

P = ParamSpec("P")
R = TypeVar("R")


class StoreMethod(Generic[P, R]):
    """A facade method that is the same-named method of one of the facade's stores."""

    def __init__(self, store: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self._store, self._name = store, method.__name__
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, storage: None, owner: type) -> Self: ...
    @overload
    def __get__(self, storage: Storage, owner: type) -> Callable[P, R]: ...
    def __get__(self, storage: Storage | None, owner: type) -> Self | Callable[P, R]:
        if storage is None:
            return self
        method: Callable[P, R] = getattr(getattr(storage, self._store), self._name)
        return method


class Storage:
    """Async access to the bot's database, one store per concern. Create with :meth:`open`.

    The stores share one connection and one lock (:class:`Database`), so transactions of
    concurrent coroutines never interleave on it.
    """

    def __init__(
        self, database: Database, *, question_flush_interval: float, question_buffer_size: int
    ) -> None:
        """Internal: use :meth:`open`."""
        self.database = database
        self.languages = LanguageStore(database)
        self.leads = LeadStore(database)
        self.questions = QuestionStore(
            database, flush_interval=question_flush_interval, buffer_size=question_buffer_size
        )
        self.state = StateStore(database)
        self.inbox = InboxStore(database, self.questions, self.state)
        self.handoffs = HandoffStore(database)
        self.relays = RelayStore(database)
        self.announcements = AnnouncementStore(database)
        self.digests = DigestStore(database, self.questions)
        self.reviews = ReviewStore(database, self.questions)
        self.activity = ActivityStore(database, self.questions)
        # The stores that hold data about a student, in the order /forget deletes it.
        self._stores: tuple[Store, ...] = (
            self.questions,
            self.inbox,
            self.state,
            self.languages,
            self.leads,
            self.handoffs,
            self.relays,
            self.announcements,
        )
        self.privacy = PrivacyStore(database, self.questions, self._stores)

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        clock: Callable[[], datetime] = utcnow,
        synchronous: Synchronous = "FULL",
        question_flush_interval: float = 0.5,
        question_buffer_size: int = 100,
    ) -> Self:
        """Open (creating or upgrading) the database at ``path`` and load the stores' caches.

        Raises :class:`SchemaVersionError` if the file comes from a newer version of the bot
        and :class:`SchemaError` if a migration fails (the file is then left as it was).
        """
        database = await Database.open(Path(path), clock, synchronous)
        try:
            storage = cls(
                database,
                question_flush_interval=question_flush_interval,
                question_buffer_size=question_buffer_size,
            )
            async with database.locked() as session:
                for store in storage._stores:
                    await store.load(session)
        except sqlite3.Error as error:
            await database.close()
            raise DatabaseFileError(database.path, str(error)) from error
        except BaseException:
            await database.close()
            raise
        return storage

    async def close(self) -> None:
        """Let the stores write what they buffer, then close the connection. Safe twice."""
        if self.database.closed:
            return
        try:
            for store in self._stores:
                await store.before_close()
        finally:
            await self.database.close()

    @property
    def path(self) -> Path:
        """The database file."""
        return self.database.path

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self.database.closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    now = StoreMethod("database", Database.now)

    get_language = StoreMethod("languages", LanguageStore.get_language)
    set_language = StoreMethod("languages", LanguageStore.set_language)
    restore_language = StoreMethod("languages", LanguageStore.restore_language)

    upsert_lead = StoreMethod("leads", LeadStore.upsert_lead)
    set_lead_status = StoreMethod("leads", LeadStore.set_lead_status)
    get_lead = StoreMethod("leads", LeadStore.get_lead)
    list_leads = StoreMethod("leads", LeadStore.list_leads)
    find_leads = StoreMethod("leads", LeadStore.find_leads)
    lead_choices = StoreMethod("leads", LeadStore.lead_choices)
    purge_leads = StoreMethod("leads", LeadStore.purge_leads)

    log_question = StoreMethod("questions", QuestionStore.log_question)
    existing_questions = StoreMethod("questions", QuestionStore.existing_questions)
    purge_questions = StoreMethod("questions", QuestionStore.purge_questions)

    load_user_data = StoreMethod("state", StateStore.load_user_data)
    save_user_data = StoreMethod("state", StateStore.save_user_data)
    delete_user_data = StoreMethod("state", StateStore.delete_user_data)
    load_chat_data = StoreMethod("state", StateStore.load_chat_data)
    save_chat_data = StoreMethod("state", StateStore.save_chat_data)
    delete_chat_data = StoreMethod("state", StateStore.delete_chat_data)
    load_conversations = StoreMethod("state", StateStore.load_conversations)
    save_conversation = StoreMethod("state", StateStore.save_conversation)

    inbox_add = StoreMethod("inbox", InboxStore.inbox_add)
    inbox_pending = StoreMethod("inbox", InboxStore.inbox_pending)
    inbox_done = StoreMethod("inbox", InboxStore.inbox_done)
    inbox_prune = StoreMethod("inbox", InboxStore.inbox_prune)

    last_digest = StoreMethod("digests", DigestStore.last_digest)
    pending_digest = StoreMethod("digests", DigestStore.pending_digest)
    digest_watermark = StoreMethod("digests", DigestStore.digest_watermark)
    open_digest = StoreMethod("digests", DigestStore.open_digest)
    record_digest_delivery = StoreMethod("digests", DigestStore.record_digest_delivery)
    close_digest = StoreMethod("digests", DigestStore.close_digest)
    digest_data = StoreMethod("digests", DigestStore.digest_data)

    unreviewed_questions = StoreMethod("reviews", ReviewStore.unreviewed_questions)
    save_listing = StoreMethod("reviews", ReviewStore.save_listing)
    listing_groups = StoreMethod("reviews", ReviewStore.listing_groups)
    review_group = StoreMethod("reviews", ReviewStore.review_group)
    resolve_group = StoreMethod("reviews", ReviewStore.resolve_group)

    question_outcomes = StoreMethod("activity", ActivityStore.question_outcomes)
    sign_ups = StoreMethod("activity", ActivityStore.sign_ups)

    current_thread = StoreMethod("handoffs", HandoffStore.current_thread)
    open_threads = StoreMethod("handoffs", HandoffStore.open_threads)
    start_thread = StoreMethod("handoffs", HandoffStore.start_thread)
    touch_thread = StoreMethod("handoffs", HandoffStore.touch_thread)
    handoff_counts = StoreMethod("handoffs", HandoffStore.handoff_counts)
    close_thread = StoreMethod("handoffs", HandoffStore.close_thread)
    get_thread = StoreMethod("handoffs", HandoffStore.get_thread)
    user_threads = StoreMethod("handoffs", HandoffStore.user_threads)
    expired_threads = StoreMethod("handoffs", HandoffStore.expired_threads)
    record_sent = StoreMethod("handoffs", HandoffStore.record_sent)
    sent_message = StoreMethod("handoffs", HandoffStore.sent_message)
    queue_notice = StoreMethod("handoffs", HandoffStore.queue_notice)
    unsent_notices = StoreMethod("handoffs", HandoffStore.unsent_notices)
    get_notice = StoreMethod("handoffs", HandoffStore.get_notice)
    mark_notice_sent = StoreMethod("handoffs", HandoffStore.mark_notice_sent)
    drop_notice = StoreMethod("handoffs", HandoffStore.drop_notice)
    pending_reply = StoreMethod("handoffs", HandoffStore.pending_reply)
    set_pending_reply = StoreMethod("handoffs", HandoffStore.set_pending_reply)
    clear_pending_reply = StoreMethod("handoffs", HandoffStore.clear_pending_reply)
    purge_handoffs = StoreMethod("handoffs", HandoffStore.purge_handoffs)

    queue_relays = StoreMethod("relays", RelayStore.queue_relays)
    queued_relays = StoreMethod("relays", RelayStore.queued_relays)
    relays_sent = StoreMethod("relays", RelayStore.relays_sent)
    prune_relays = StoreMethod("relays", RelayStore.prune_relays)

    announcement_audience = StoreMethod("announcements", AnnouncementStore.announcement_audience)
    create_announcement = StoreMethod("announcements", AnnouncementStore.create_announcement)
    get_announcement = StoreMethod("announcements", AnnouncementStore.get_announcement)
    unfinished_announcements = StoreMethod(
        "announcements", AnnouncementStore.unfinished_announcements
    )
    set_progress_message = StoreMethod("announcements", AnnouncementStore.set_progress_message)
    pending_recipients = StoreMethod("announcements", AnnouncementStore.pending_recipients)
    may_send = StoreMethod("announcements", AnnouncementStore.may_send)
    record_outcome = StoreMethod("announcements", AnnouncementStore.record_outcome)
    announcement_counts = StoreMethod("announcements", AnnouncementStore.announcement_counts)
    finish_announcement = StoreMethod("announcements", AnnouncementStore.finish_announcement)
    purge_recipients_without_lead = StoreMethod(
        "announcements", AnnouncementStore.purge_recipients_without_lead
    )
    stop_announcements = StoreMethod("announcements", AnnouncementStore.stop_announcements)
    resume_announcements = StoreMethod("announcements", AnnouncementStore.resume_announcements)
    announcements_stopped = StoreMethod("announcements", AnnouncementStore.announcements_stopped)
    announcements_received = StoreMethod("announcements", AnnouncementStore.announcements_received)

    user_report = StoreMethod("privacy", PrivacyStore.user_report)
    forget_user = StoreMethod("privacy", PrivacyStore.forget_user)
