"""The language each student chose with /language, cached in memory."""

from __future__ import annotations

import aiosqlite

from bot.storage.codec import iso
from bot.storage.database import Database, Session, Store


class LanguageStore(Store):
    """``user_settings``: one chosen language per user."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._languages: dict[int, str] = {}

    async def load(self, session: Session) -> None:
        rows = await session.fetchall("SELECT user_id, language FROM user_settings")
        self._languages = {row[0]: row[1] for row in rows}

    async def get_language(self, user_id: int) -> str | None:
        """The user's chosen language, from memory (no disk access)."""
        return self._languages.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        """Store the user's language; committed when this returns."""
        if self._languages.get(user_id) == language:
            return
        now = iso(self._db.now())
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO user_settings (user_id, language, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET "
                "language = excluded.language, updated_at = excluded.updated_at",
                (user_id, language, now, now),
            )
        self._languages[user_id] = language

    async def restore_language(self, user_id: int, language: str | None) -> None:
        """Put back an earlier choice (``None``: no choice, the automatic language), as the
        offline chat does after a ``--lang`` session."""
        if language is not None:
            await self.set_language(user_id, language)
            return
        await self._db.delete(
            "DELETE FROM user_settings WHERE user_id = ?", (user_id,), checkpoint=False
        )
        self._languages.pop(user_id, None)

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        cursor = await db.execute("DELETE FROM user_settings WHERE user_id = ?", (user_id,))
        counts["settings"] = max(cursor.rowcount, 0)

    def drop_cached(self, user_id: int) -> None:
        self._languages.pop(user_id, None)
