"""Tests of bot.telegram.persistence.SQLitePersistence, directly and through a real Application."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BasePersistence,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData

from bot.storage import DataNotJSONError, Storage
from bot.telegram.persistence import SQLitePersistence

pytestmark = pytest.mark.asyncio


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "bot.sqlite3"


def total_changes(storage: Storage) -> int:
    return storage.database.connection.total_changes


async def test_store_data_settings(db_path: Path) -> None:
    persistence = SQLitePersistence(db_path)
    assert isinstance(persistence, BasePersistence)
    assert persistence.store_data.user_data and persistence.store_data.chat_data
    assert not persistence.store_data.bot_data and not persistence.store_data.callback_data
    assert persistence.owns_storage
    assert not db_path.exists()  # opened lazily
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
    await persistence.flush()


async def test_methods_as_ptb_calls_them_across_reopen(db_path: Path) -> None:
    persistence = SQLitePersistence(db_path)
    # What Application.initialize / ConversationHandler._initialize_persistence do:
    assert await persistence.get_user_data() == {}
    assert await persistence.get_chat_data() == {}
    assert await persistence.get_conversations("signup") == {}
    assert db_path.exists()
    # What Application.update_persistence does (data deep-copied by PTB):
    await persistence.update_user_data(42, {"draft": {"name": "Ann", "step": 2}})
    await persistence.update_chat_data(42, {"lang_hint": "en"})
    await persistence.update_chat_data(-100, {"group": True})
    await persistence.update_conversation("signup", (42, 42), 2)
    await persistence.update_conversation("signup", (-100, 42), 1)
    await persistence.update_conversation("faq", (42,), "BROWSING")
    await persistence.update_conversation("signup", (-100, 42), None)  # ended
    await persistence.drop_chat_data(-100)
    await persistence.refresh_user_data(42, {})
    await persistence.refresh_chat_data(42, {})
    await persistence.refresh_bot_data({})
    await persistence.update_bot_data({"ignored": True})
    await persistence.flush()  # owned: closes the storage

    reopened = SQLitePersistence(db_path)
    assert await reopened.get_user_data() == {42: {"draft": {"name": "Ann", "step": 2}}}
    assert await reopened.get_chat_data() == {42: {"lang_hint": "en"}}
    assert await reopened.get_conversations("signup") == {(42, 42): 2}
    assert await reopened.get_conversations("faq") == {(42,): "BROWSING"}
    await reopened.drop_user_data(42)
    assert await reopened.get_user_data() == {}
    await reopened.flush()


async def test_unchanged_data_is_not_written(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        persistence = SQLitePersistence(storage)
        assert not persistence.owns_storage
        loaded = await persistence.get_user_data()
        assert loaded == {}
        await persistence.update_user_data(1, {"a": [1, 2], "b": {"c": "d"}})
        before = total_changes(storage)
        for _ in range(100):
            await persistence.update_user_data(1, {"a": [1, 2], "b": {"c": "d"}})
            await persistence.update_chat_data(5, {})  # empty and never stored
        assert total_changes(storage) == before
        await persistence.update_user_data(1, {"a": [1, 2, 3], "b": {"c": "d"}})
        assert total_changes(storage) == before + 1
        await persistence.flush()  # not owned: the storage stays open
        assert not storage.closed
        assert await storage.load_user_data() == {1: {"a": [1, 2, 3], "b": {"c": "d"}}}


async def test_non_json_data_is_rejected(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        persistence = SQLitePersistence(storage)
        with pytest.raises(DataNotJSONError, match=r"user_data\[7\]\['obj'\]"):
            await persistence.update_user_data(7, {"obj": object()})
        with pytest.raises(DataNotJSONError):
            await persistence.update_conversation("signup", (7, 7), {1, 2})
        assert await storage.load_user_data() == {}
        assert await storage.load_conversations("signup") == {}


# --------------------------------------------------------------------------- real Application


class OfflineRequest(BaseRequest):
    """Answers getMe locally so that Application.initialize() needs no network."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(  # noqa: PLR0917 - signature fixed by BaseRequest
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        self.calls.append(endpoint)
        if endpoint == "getMe":
            result: object = {
                "id": 123,
                "is_bot": True,
                "first_name": "Test",
                "username": "test_bot",
            }
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


ASK_NAME, ASK_EMAIL = 1, 2
USER = 4242


def build_app(persistence: SQLitePersistence) -> Application:  # type: ignore[type-arg,unused-ignore]
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert context.user_data is not None
        context.user_data["draft"] = {"started": True}
        return ASK_NAME

    async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert context.user_data is not None and update.effective_message is not None
        context.user_data["draft"]["name"] = update.effective_message.text
        return ASK_EMAIL

    async def got_email(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert context.user_data is not None and update.effective_message is not None
        context.user_data["draft"]["email"] = update.effective_message.text
        context.user_data["submitted"] = True
        return ConversationHandler.END

    text = filters.TEXT & ~filters.COMMAND
    app = (
        ApplicationBuilder()
        .token("123:ABC")
        .request(OfflineRequest())
        .get_updates_request(OfflineRequest())
        .updater(None)
        .job_queue(None)
        .persistence(persistence)
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                ASK_NAME: [MessageHandler(text, got_name)],
                ASK_EMAIL: [MessageHandler(text, got_email)],
            },
            fallbacks=[],
            name="signup",
            persistent=True,
        )
    )
    return app


def message_update(app: Application, update_id: int, text: str) -> Update:  # type: ignore[type-arg,unused-ignore]
    data: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": USER, "type": "private", "first_name": "Ann"},
            "from": {"id": USER, "is_bot": False, "first_name": "Ann"},
            "text": text,
        },
    }
    if text.startswith("/"):
        data["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json(data, app.bot)


async def test_round_trip_through_a_real_application(db_path: Path) -> None:
    # First run: the student starts the form and answers one question.
    app = build_app(SQLitePersistence(db_path))
    await app.initialize()
    await app.process_update(message_update(app, 1, "/start"))
    await app.process_update(message_update(app, 2, "Ann Example"))
    await app.shutdown()  # update_persistence() + flush(): the owned storage is closed

    async with await Storage.open(db_path) as storage:
        assert await storage.load_conversations("signup") == {(USER, USER): ASK_EMAIL}
        assert await storage.load_user_data() == {
            USER: {"draft": {"started": True, "name": "Ann Example"}}
        }

    # Second run (bot restarted): the conversation resumes where it stopped.
    app = build_app(SQLitePersistence(db_path))
    await app.initialize()
    assert app.user_data[USER] == {"draft": {"started": True, "name": "Ann Example"}}
    await app.process_update(message_update(app, 3, "ann@example.org"))
    assert app.user_data[USER]["draft"]["email"] == "ann@example.org"
    await app.update_persistence()
    await app.shutdown()

    async with await Storage.open(db_path) as storage:
        assert await storage.load_conversations("signup") == {}  # ended: row deleted
        assert await storage.load_user_data() == {
            USER: {
                "draft": {"started": True, "name": "Ann Example", "email": "ann@example.org"},
                "submitted": True,
            }
        }


async def test_application_with_shared_storage_and_forget(db_path: Path) -> None:
    async with await Storage.open(db_path) as storage:
        app = build_app(SQLitePersistence(storage))
        await app.initialize()
        await app.process_update(message_update(app, 1, "/start"))
        await app.update_persistence()
        assert (await storage.user_report(USER))["has_saved_state"] is True

        # What a /forget handler must do: forget in storage *and* drop PTB's in-memory copy.
        await storage.forget_user(USER)
        app.drop_user_data(USER)
        app.drop_chat_data(USER)
        await app.update_persistence()
        await app.shutdown()
        assert not storage.closed  # shared storage is not closed by flush()
        assert await storage.load_user_data() == {}
        assert await storage.load_chat_data() == {}
