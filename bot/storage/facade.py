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


def via(store: str, method: Callable[Concatenate[Any, P], R]) -> StoreMethod[P, R]:
    """The facade method that is ``method`` of the facade's attribute ``store``."""
    return StoreMethod(store, method)


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

    now = via("database", Database.now)

    get_language = via("languages", LanguageStore.get_language)
    set_language = via("languages", LanguageStore.set_language)
    restore_language = via("languages", LanguageStore.restore_language)

    upsert_lead = via("leads", LeadStore.upsert_lead)
    set_lead_status = via("leads", LeadStore.set_lead_status)
    get_lead = via("leads", LeadStore.get_lead)
    list_leads = via("leads", LeadStore.list_leads)
    find_leads = via("leads", LeadStore.find_leads)
    lead_choices = via("leads", LeadStore.lead_choices)
    purge_leads = via("leads", LeadStore.purge_leads)

    log_question = via("questions", QuestionStore.log_question)
    existing_questions = via("questions", QuestionStore.existing_questions)
    purge_questions = via("questions", QuestionStore.purge_questions)

    load_user_data = via("state", StateStore.load_user_data)
    save_user_data = via("state", StateStore.save_user_data)
    delete_user_data = via("state", StateStore.delete_user_data)
    load_chat_data = via("state", StateStore.load_chat_data)
    save_chat_data = via("state", StateStore.save_chat_data)
    delete_chat_data = via("state", StateStore.delete_chat_data)
    load_conversations = via("state", StateStore.load_conversations)
    save_conversation = via("state", StateStore.save_conversation)

    inbox_add = via("inbox", InboxStore.inbox_add)
    inbox_pending = via("inbox", InboxStore.inbox_pending)
    inbox_done = via("inbox", InboxStore.inbox_done)
    inbox_prune = via("inbox", InboxStore.inbox_prune)

    last_digest = via("digests", DigestStore.last_digest)
    pending_digest = via("digests", DigestStore.pending_digest)
    digest_watermark = via("digests", DigestStore.digest_watermark)
    open_digest = via("digests", DigestStore.open_digest)
    record_digest_delivery = via("digests", DigestStore.record_digest_delivery)
    close_digest = via("digests", DigestStore.close_digest)
    digest_data = via("digests", DigestStore.digest_data)

    unreviewed_questions = via("reviews", ReviewStore.unreviewed_questions)
    save_listing = via("reviews", ReviewStore.save_listing)
    listing_groups = via("reviews", ReviewStore.listing_groups)
    review_group = via("reviews", ReviewStore.review_group)
    resolve_group = via("reviews", ReviewStore.resolve_group)

    question_outcomes = via("activity", ActivityStore.question_outcomes)
    sign_ups = via("activity", ActivityStore.sign_ups)

    current_thread = via("handoffs", HandoffStore.current_thread)
    open_threads = via("handoffs", HandoffStore.open_threads)
    start_thread = via("handoffs", HandoffStore.start_thread)
    touch_thread = via("handoffs", HandoffStore.touch_thread)
    handoff_counts = via("handoffs", HandoffStore.handoff_counts)
    close_thread = via("handoffs", HandoffStore.close_thread)
    get_thread = via("handoffs", HandoffStore.get_thread)
    user_threads = via("handoffs", HandoffStore.user_threads)
    expired_threads = via("handoffs", HandoffStore.expired_threads)
    record_sent = via("handoffs", HandoffStore.record_sent)
    sent_message = via("handoffs", HandoffStore.sent_message)
    queue_notice = via("handoffs", HandoffStore.queue_notice)
    unsent_notices = via("handoffs", HandoffStore.unsent_notices)
    get_notice = via("handoffs", HandoffStore.get_notice)
    mark_notice_sent = via("handoffs", HandoffStore.mark_notice_sent)
    drop_notice = via("handoffs", HandoffStore.drop_notice)
    pending_reply = via("handoffs", HandoffStore.pending_reply)
    set_pending_reply = via("handoffs", HandoffStore.set_pending_reply)
    clear_pending_reply = via("handoffs", HandoffStore.clear_pending_reply)
    purge_handoffs = via("handoffs", HandoffStore.purge_handoffs)

    queue_relays = via("relays", RelayStore.queue_relays)
    queued_relays = via("relays", RelayStore.queued_relays)
    relays_sent = via("relays", RelayStore.relays_sent)
    prune_relays = via("relays", RelayStore.prune_relays)

    announcement_audience = via("announcements", AnnouncementStore.announcement_audience)
    create_announcement = via("announcements", AnnouncementStore.create_announcement)
    get_announcement = via("announcements", AnnouncementStore.get_announcement)
    unfinished_announcements = via("announcements", AnnouncementStore.unfinished_announcements)
    set_progress_message = via("announcements", AnnouncementStore.set_progress_message)
    pending_recipients = via("announcements", AnnouncementStore.pending_recipients)
    may_send = via("announcements", AnnouncementStore.may_send)
    record_outcome = via("announcements", AnnouncementStore.record_outcome)
    announcement_counts = via("announcements", AnnouncementStore.announcement_counts)
    finish_announcement = via("announcements", AnnouncementStore.finish_announcement)
    purge_recipients_without_lead = via(
        "announcements", AnnouncementStore.purge_recipients_without_lead
    )
    stop_announcements = via("announcements", AnnouncementStore.stop_announcements)
    resume_announcements = via("announcements", AnnouncementStore.resume_announcements)
    announcements_stopped = via("announcements", AnnouncementStore.announcements_stopped)
    announcements_received = via("announcements", AnnouncementStore.announcements_received)

    user_report = via("privacy", PrivacyStore.user_report)
    forget_user = via("privacy", PrivacyStore.forget_user)
