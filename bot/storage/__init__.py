"""SQLite storage for the CQMU Exchange Assistant: one :class:`Storage` facade over the stores,
which share one connection and one lock (:mod:`bot.storage.database`).

Durability: every write that confirms something to the student is committed before the
method returns; the question log is written in batches (see :mod:`bot.storage.questions`).

Privacy: the file and its ``-wal``/``-shm`` companions are created with mode 0600,
``secure_delete`` is on (deleted rows are overwritten with zeros) and the WAL is checkpointed
and truncated after ``/forget`` and the purges, so deleted personal data does not linger.

Timestamps are stored as ISO-8601 UTC text with a fixed width
(``2025-01-31T08:00:00.000000+00:00``), so text comparison orders them correctly. Naive
datetimes passed in are taken to be UTC.
"""

from __future__ import annotations

from bot.storage.activity import Outcome, SignUp
from bot.storage.announcements import Announcement, Recipient
from bot.storage.codec import ConversationKey, JSONDict
from bot.storage.digests import Digest, DigestData
from bot.storage.errors import DataNotJSONError, SchemaError, SchemaVersionError, StorageError
from bot.storage.facade import Storage
from bot.storage.handoffs import OPEN as OPEN_THREAD
from bot.storage.handoffs import WAITING as WAITING_THREAD
from bot.storage.handoffs import Notice, PendingReply, SentMessage, Thread
from bot.storage.questions import Question
from bot.storage.records import FORM_FIELDS, LEAD_FIELDS, REQUIRED_FORM_FIELDS, STATUSES, Lead
from bot.storage.relays import Relay
from bot.storage.reviews import IGNORED, LEARNED, ReviewGroup
from bot.storage.schema import MIGRATIONS, SCHEMA_VERSION, Migration

__all__ = [
    "FORM_FIELDS",
    "IGNORED",
    "LEAD_FIELDS",
    "LEARNED",
    "MIGRATIONS",
    "OPEN_THREAD",
    "REQUIRED_FORM_FIELDS",
    "SCHEMA_VERSION",
    "STATUSES",
    "WAITING_THREAD",
    "Announcement",
    "ConversationKey",
    "DataNotJSONError",
    "Digest",
    "DigestData",
    "JSONDict",
    "Lead",
    "Migration",
    "Notice",
    "Outcome",
    "PendingReply",
    "Question",
    "Recipient",
    "Relay",
    "ReviewGroup",
    "SchemaError",
    "SchemaVersionError",
    "SentMessage",
    "SignUp",
    "Storage",
    "StorageError",
    "Thread",
]
