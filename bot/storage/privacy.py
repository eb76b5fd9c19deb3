"""The student's rights: everything stored about them (``/mydata``), and ``/forget``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.storage.codec import JSONDict
from bot.storage.database import Database, Store
from bot.storage.leads import LEAD_SELECT, Lead
from bot.storage.questions import QUESTION_SELECT, Question, QuestionStore
from bot.storage.rows import from_row
from bot.storage.state import user_conversations


class PrivacyStore(Store):
    """Reports and erases one user's data across every store."""

    def __init__(self, db: Database, questions: QuestionStore, stores: Sequence[Store]) -> None:
        super().__init__(db)
        self._questions, self._stores = questions, tuple(stores)

    async def user_report(self, user_id: int) -> JSONDict:
        """Everything stored about the user, JSON-friendly, for ``/mydata``.

        Keys: ``user_id``; ``settings`` (dict or None); ``lead`` (dict or None); ``questions``
        (list, oldest first); ``user_data`` and ``chat_data`` (the stored dicts of the user
        and of their private chat, or None); ``conversations`` (list of
        ``{"name", "key", "state"}``); ``has_saved_state`` (True if any of user_data,
        chat_data or conversations exists, e.g. an unfinished form).
        """
        async with self._questions.flushed() as session:
            settings = await session.fetchall(
                "SELECT language, created_at, updated_at FROM user_settings WHERE user_id = ?",
                (user_id,),
            )
            leads = await session.fetchall(f"{LEAD_SELECT} WHERE user_id = ?", (user_id,))
            questions = await session.fetchall(
                f"{QUESTION_SELECT} WHERE user_id = ? ORDER BY asked_at, id", (user_id,)
            )
            user_data = await session.fetchall(
                "SELECT data FROM user_data WHERE user_id = ?", (user_id,)
            )
            chat_data = await session.fetchall(
                "SELECT data FROM chat_data WHERE chat_id = ?", (user_id,)
            )
            conversations = await user_conversations(session.connection, user_id)
        report: JSONDict = {
            "user_id": user_id,
            "settings": (
                dict(zip(("language", "created_at", "updated_at"), settings[0], strict=True))
                if settings
                else None
            ),
            "lead": from_row(Lead, leads[0]).as_dict() if leads else None,
            "questions": [from_row(Question, row).as_dict() for row in questions],
            "user_data": json.loads(user_data[0][0]) if user_data else None,
            "chat_data": json.loads(chat_data[0][0]) if chat_data else None,
            "conversations": [
                {"name": name, "key": json.loads(key), "state": json.loads(state)}
                for name, key, state in conversations
            ],
        }
        report["has_saved_state"] = bool(user_data or chat_data or conversations)
        return report

    async def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about the user in one transaction; return counts per kind.

        Every store deletes its rows of the user (:meth:`Store.forget`); then the WAL is
        checkpointed and truncated. With ``secure_delete`` the deleted bytes are overwritten,
        so nothing about the user remains in the files.

        Note: a running PTB Application still holds the user's user_data/chat_data and
        conversation state in memory; also call ``application.drop_user_data(user_id)`` and
        ``application.drop_chat_data(user_id)`` and end the conversation, or PTB will write
        them back on its next persistence update.
        """
        counts: dict[str, int] = {}
        async with self._db.locked() as session:
            async with session.transaction() as db:
                for store in self._stores:
                    await store.forget(db, user_id, counts)
            for store in self._stores:
                store.drop_cached(user_id)
            await session.checkpoint()
        return counts
