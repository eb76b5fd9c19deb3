"""python-telegram-bot's persisted state: user data, chat data and conversation states."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import aiosqlite

from bot.storage.codec import ConversationKey, JSONDict, key_from_json, key_to_json, to_json
from bot.storage.database import Database, Store

# The user_data key of the conversation's focus (bot.understanding.context.Focus): a change of
# it alone is written with the update's "handled" mark (``inbox_done``), not on its own.
FOCUS_KEY = "focus"


class StateStore(Store):
    """``user_data``, ``chat_data`` and ``conversations``, as JSON (never pickle)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # Last stored data per id (independent copies), to skip writes of unchanged data.
        self._stored_data: dict[str, dict[int, JSONDict]] = {"user_data": {}, "chat_data": {}}
        # user_data whose only change is the focus, written with the next inbox_done or write.
        self._deferred_user_data: dict[int, str] = {}

    async def load_user_data(self) -> dict[int, JSONDict]:
        """Every user's stored data, by user id."""
        return await self._load_data("user_data", "user_id")

    async def save_user_data(self, user_id: int, data: Mapping[str, Any]) -> bool:
        """Store the user's data (committed on return). Returns False if it was unchanged.

        An empty mapping deletes the row. Raises :class:`DataNotJSONError` for non-JSON data.
        """
        return await self._save_data("user_data", "user_id", user_id, data)

    async def delete_user_data(self, user_id: int) -> bool:
        """Delete the user's data (committed on return); whether there was any."""
        return await self._delete_data("user_data", "user_id", user_id)

    async def load_chat_data(self) -> dict[int, JSONDict]:
        """Every chat's stored data, by chat id."""
        return await self._load_data("chat_data", "chat_id")

    async def save_chat_data(self, chat_id: int, data: Mapping[str, Any]) -> bool:
        """Like :meth:`save_user_data`, for a chat."""
        return await self._save_data("chat_data", "chat_id", chat_id, data)

    async def delete_chat_data(self, chat_id: int) -> bool:
        """Like :meth:`delete_user_data`, for a chat."""
        return await self._delete_data("chat_data", "chat_id", chat_id)

    async def _load_data(
        self, table: Literal["user_data", "chat_data"], id_column: str
    ) -> dict[int, JSONDict]:
        rows = await self._db.fetchall(f"SELECT {id_column}, data FROM {table}")
        result: dict[int, JSONDict] = {}
        stored: dict[int, JSONDict] = {}
        for row_id, text in rows:
            result[row_id] = json.loads(text)
            stored[row_id] = json.loads(text)  # independent copy: the caller mutates result
        self._stored_data[table] = stored
        return result

    async def _save_data(
        self,
        table: Literal["user_data", "chat_data"],
        id_column: str,
        row_id: int,
        data: Mapping[str, Any],
    ) -> bool:
        stored = self._stored_data[table]
        previous = stored.get(row_id)
        if previous is None:
            if not data:
                return False
        elif previous == data:
            return False
        if not data:
            return await self._delete_data(table, id_column, row_id)
        text = to_json(dict(data), f"{table}[{row_id}]")
        snapshot = json.loads(text)  # an independent copy, equal to data (see _check_json)
        if table == "user_data" and _only_focus_changed(previous or {}, snapshot):
            self._deferred_user_data[row_id] = text  # written with the update's done mark
            stored[row_id] = snapshot
            return True
        async with self._db.transaction() as db:
            if table == "user_data":
                self._deferred_user_data.pop(row_id, None)
                await self.write_deferred(db)
            await db.execute(
                f"INSERT INTO {table} ({id_column}, data) VALUES (?, ?) "
                f"ON CONFLICT ({id_column}) DO UPDATE SET data = excluded.data",
                (row_id, text),
            )
        stored[row_id] = snapshot
        return True

    async def write_deferred(self, db: aiosqlite.Connection) -> None:
        """Write, inside a transaction that commits anyway (an update marked handled, another
        user_data), the user_data whose only change was the focus."""
        rows, self._deferred_user_data = self._deferred_user_data, {}
        if rows:
            await db.executemany(
                "INSERT INTO user_data (user_id, data) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
                list(rows.items()),
            )

    async def before_close(self) -> None:
        if self._deferred_user_data:
            async with self._db.transaction() as db:
                await self.write_deferred(db)

    async def _delete_data(
        self, table: Literal["user_data", "chat_data"], id_column: str, row_id: int
    ) -> bool:
        if table == "user_data":
            self._deferred_user_data.pop(row_id, None)
        deleted = await self._db.delete(
            f"DELETE FROM {table} WHERE {id_column} = ?", (row_id,), checkpoint=False
        )
        self._stored_data[table].pop(row_id, None)
        return deleted > 0

    # ----------------------------------------------------------------- conversations

    async def load_conversations(self, name: str) -> dict[ConversationKey, object]:
        """The states of the conversation handler ``name``, by key."""
        rows = await self._db.fetchall(
            "SELECT key, state FROM conversations WHERE name = ?", (name,)
        )
        return {key_from_json(key): json.loads(state) for key, state in rows}

    async def save_conversation(
        self, name: str, key: Sequence[int | str], state: object | None
    ) -> None:
        """Store a conversation state (committed on return); ``None`` deletes it."""
        key_text = key_to_json(key)
        if state is None:
            async with self._db.transaction() as db:
                await db.execute(
                    "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key_text)
                )
            return
        state_text = to_json(state, f"state of conversation {name!r} {tuple(key)!r}")
        async with self._db.transaction() as db:
            await db.execute(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, key_text, state_text),
            )

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        for kind, sql in (
            ("user_data", "DELETE FROM user_data WHERE user_id = ?"),
            ("chat_data", "DELETE FROM chat_data WHERE chat_id = ?"),
        ):
            cursor = await db.execute(sql, (user_id,))
            counts[kind] = max(cursor.rowcount, 0)
        if user_id in self._deferred_user_data:  # a focus not written yet: forgotten too
            counts["user_data"] = max(counts["user_data"], 1)
        conversations = await user_conversations(db, user_id)
        if conversations:
            await db.executemany(
                "DELETE FROM conversations WHERE name = ? AND key = ?",
                [(name, key) for name, key, _ in conversations],
            )
        counts["conversations"] = len(conversations)

    def drop_cached(self, user_id: int) -> None:
        self._stored_data["user_data"].pop(user_id, None)
        self._stored_data["chat_data"].pop(user_id, None)
        self._deferred_user_data.pop(user_id, None)


def _only_focus_changed(previous: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether two user_data differ in the conversation's focus only."""
    keys = previous.keys() | data.keys()
    changed = {k for k in keys if previous.get(k) != data.get(k)}
    return changed == {FOCUS_KEY}


async def user_conversations(db: aiosqlite.Connection, user_id: int) -> list[tuple[str, str, str]]:
    """Conversation rows (name, key, state) whose key contains ``user_id``."""
    rows = await db.execute_fetchall("SELECT name, key, state FROM conversations")
    found = []
    for name, key_text, state_text in rows:
        key = key_from_json(key_text)
        if any(isinstance(part, int) and part == user_id for part in key):
            found.append((name, key_text, state_text))
    return found
