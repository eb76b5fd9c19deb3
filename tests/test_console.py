"""The coordinators' console over HTTP (no browser): who may call it, what it changes, and
that without BOT_WEB_URL nothing of it exists. The browser tests are in test_console_browser."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli import main
from bot.content.knowledge import load_knowledge
from bot.content.overrides import Overrides, original_version, overrides_path, write_overrides
from bot.content.texts import Texts
from bot.settings import REPOSITORY, Settings, SettingsError
from bot.telegram.context import services_of
from bot.web import install
from bot.web.auth import secret_key, sign, verify
from telegram_emulator import EmulatorServer
from tests.auxil.console import COORDINATOR, STUDENT, URL, console_bot, init_data
from tests.auxil.harness import BotProcess, LocalBot, start
from tests.auxil.network import free_port

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "api/me", None),
    ("GET", "api/topics?q=fee", None),
    ("GET", "api/topics/fees", None),
    ("POST", "api/topics/fees", {"title": {}, "answer": {}, "examples": {}}),
    ("POST", "api/topics/fees/revert", {"index": -1}),
    ("GET", "api/leads", None),
    ("GET", "api/leads.xlsx", None),
    ("POST", f"api/leads/{STUDENT}/status", {"status": "contacted"}),
    ("GET", "api/unanswered", None),
    ("POST", "api/unanswered/1", {"entry": "fees"}),
    ("GET", "api/stats", None),
    ("GET", "api/stats.png", None),
]


def test_init_data_is_checked_as_telegram_specifies() -> None:
    token, other = "123456:AAAA-test", "654321:BBBB-other"
    coordinators = frozenset({COORDINATOR})
    good = init_data(token)
    caller = verify(good, token, coordinators)
    assert caller is not None
    assert (caller.id, caller.name) == (COORDINATOR, "Chen Li")
    assert verify(init_data(token, STUDENT), token, coordinators) is None
    assert verify(init_data(other), token, coordinators) is None
    assert verify(init_data(token, age=3601), token, coordinators) is None
    assert verify(good.replace("Chen", "Chan"), token, coordinators) is None
    assert verify(good + "&extra=1", token, coordinators) is None
    assert verify("", token, coordinators) is None
    assert verify("hash=00", token, coordinators) is None
    # The key is HMAC-SHA256 of the token keyed with "WebAppData" (Telegram's example).
    assert len(secret_key(token)) == 32
    assert sign({"a": "1"}, token) != sign({"a": "1"}, other)


@pytest.mark.asyncio
async def test_every_endpoint_refuses_anyone_but_a_coordinator(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as console:
        await console.add_lead(STUDENT, "Ana")
        other = "654321:BBBB-other"
        good = init_data(console.token)
        refused = {
            "none": {},
            "student": {"Authorization": "tma " + init_data(console.token, STUDENT)},
            "other bot": {"Authorization": "tma " + init_data(other)},
            "old": {"Authorization": "tma " + init_data(console.token, age=3700)},
            "altered": {"Authorization": "tma " + good.replace("Chen", "Eve")},
            "wrong scheme": {"Authorization": "Bearer " + good},
        }
        async with httpx.AsyncClient(base_url=console.base) as client:
            for method, path, body in ENDPOINTS:
                for why, headers in refused.items():
                    response = await client.request(method, path, headers=headers, json=body)
                    assert response.status_code == 401, (method, path, why)
                    assert "fees" not in response.text
        lead = await console.storage.get_lead(STUDENT)
        assert lead.status == "new"
        assert not overrides_path(console.bot.settings.data_dir).exists()


@pytest.mark.asyncio
async def test_the_page_forbids_inline_scripts_and_big_bodies(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as console:  # noqa: SIM117 - the client needs the port
        async with httpx.AsyncClient(base_url=console.base) as client:
            page = await client.get("")
            assert page.status_code == 200
            policy = page.headers["Content-Security-Policy"]
            assert "script-src 'self' https://telegram.org;" in policy
            assert "unsafe-inline" not in policy
            assert "<script>" not in page.text  # no inline script in the page itself
            big = {"title": {"en": "x" * 70_000}}
            response = await client.post("api/topics/fees", headers=console.headers(), json=big)
            assert response.status_code in (400, 413)
            assert not overrides_path(console.bot.settings.data_dir).exists()


@pytest.mark.asyncio
async def test_a_refused_edit_changes_nothing_and_says_why(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as console:
        async with httpx.AsyncClient(base_url=console.base, timeout=60) as client:
            topic = (await client.get("api/topics/fees", headers=console.headers())).json()
            answer = dict(topic["answer"], en=topic["answer"]["en"] + " Since 2031.")
            body = {"title": topic["title"], "answer": answer, "examples": topic["examples"]}
            response = await client.post("api/topics/fees", headers=console.headers(), json=body)
        assert response.status_code == 422
        assert any("numbers differ" in p and "2031" in p for p in response.json()["problems"])
        assert not overrides_path(console.bot.settings.data_dir).exists()


@pytest.mark.asyncio
async def test_an_example_taught_in_the_console_goes_with_the_students_forget(
    tmp_path: Path,
) -> None:
    question = "Can I bring my quokka to the dormitory?"
    async with console_bot(tmp_path) as console:
        student = console.bot.user(STUDENT, name="Zoe")
        await console.bot.send(student, question)
        await console.storage.questions.flush()
        async with httpx.AsyncClient(base_url=console.base, timeout=60) as client:
            for _ in range(300):  # the grouping runs in the background
                listed = (await client.get("api/unanswered", headers=console.headers())).json()
                if not listed["pending"] and listed["groups"]:
                    break
                await asyncio.sleep(0.1)
            group = listed["groups"][0]["id"]
            taught = await client.post(
                f"api/unanswered/{group}", headers=console.headers(), json={"entry": "housing"}
            )
        assert taught.json() == {"problems": []}
        learned = console.bot.settings.data_dir / "learned-examples.yaml"
        assert "quokka" in learned.read_text(encoding="utf-8")
        await console.bot.send(student, "/forget")
        await console.bot.press(student, "1|forget:yes")
        assert "quokka" not in learned.read_text(encoding="utf-8")


@pytest.mark.asyncio
async def test_questions_asked_after_an_example_was_taught_are_grouped_too(
    tmp_path: Path,
) -> None:
    """Teaching rebuilds the assistant; the console prepares the new one (in a worker thread)
    before grouping with it, and the next questions are listed as before."""
    async with console_bot(tmp_path) as console:
        student = console.bot.user(STUDENT, name="Zoe")
        async with httpx.AsyncClient(base_url=console.base, timeout=60) as client:

            async def listed(text: str) -> list[dict[str, Any]]:
                await console.bot.send(student, text)
                await console.storage.questions.flush()
                for _ in range(300):  # grouped in the background, read again every 5 s
                    page = (await client.get("api/unanswered", headers=console.headers())).json()
                    groups: list[dict[str, Any]] = page["groups"]
                    if any(text in group["samples"] for group in groups):
                        return groups
                    await asyncio.sleep(0.1)
                raise AssertionError(f"{text!r} never listed")

            first = await listed("Can I bring my quokka to the dormitory?")
            taught = await client.post(
                f"api/unanswered/{first[0]['id']}",
                headers=console.headers(),
                json={"entry": "housing"},
            )
            assert taught.json() == {"problems": []}
            later = await listed("Is there a climbing wall for students?")
        samples = [sample for group in later for sample in group["samples"]]
        assert "Can I bring my quokka to the dormitory?" not in samples


def test_without_bot_web_url_the_console_is_off() -> None:
    settings = Settings.from_env({})
    assert settings.web_url is None
    on = Settings.from_env({"BOT_WEB_URL": "https://x.example/console", "BOT_WEB_PORT": "9000"})
    assert (on.web_url, on.web_port) == ("https://x.example/console", 9000)
    with pytest.raises(SettingsError, match="BOT_WEB_URL must start with https://"):
        Settings.from_env({"BOT_WEB_URL": "http://x.example/console"})


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("web_url", [None, URL])
async def test_the_console_listens_and_shows_its_button_only_with_bot_web_url(
    tmp_path: Path, web_url: str | None
) -> None:
    port = free_port()
    bot = LocalBot(
        tmp_path, coordinator_ids=frozenset({COORDINATOR}), web_url=web_url, web_port=port
    )
    await start(bot)
    assert bot.app is not None
    hooks = (bot.app.post_init, bot.app.post_shutdown)
    install(bot.app)  # what `python -m bot run` does
    assert ((bot.app.post_init, bot.app.post_shutdown) == hooks) == (web_url is None)
    assert bot.app.post_init is not None
    await bot.app.post_init(bot.app)
    try:
        assert _listening(port) == (web_url is not None)
        coordinator = bot.user(COORDINATOR, name="Chen")
        await bot.send(coordinator, "/coordinator")
        buttons = [
            b
            for m in coordinator.messages
            for row in (m.reply_markup or {}).get("inline_keyboard", [])
            for b in row
        ]
        web_apps = [b["web_app"]["url"] for b in buttons if "web_app" in b]
        assert web_apps == ([URL] if web_url else [])
        menu = bot.emulator.menu_buttons  # the chat menu button: the coordinator's chat only
        assert menu == ({COORDINATOR: {"type": "web_app", "text": "🛠 Console",
                                        "web_app": {"url": URL}}} if web_url else {})  # fmt: skip
        assert bot.emulator.errors == []
        student = bot.user(STUDENT)
        await bot.send(student, "/coordinator")
        assert not any("web_app" in str(m.reply_markup) for m in student.messages)
    finally:
        if bot.app.post_shutdown is not None:
            await bot.app.post_shutdown(bot.app)
        await bot.stop()
    assert not _listening(port)


def test_kb_overrides_prints_and_merges_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge, data = tmp_path / "knowledge", tmp_path / "data"
    shutil.copytree(REPOSITORY / "knowledge", knowledge)
    data.mkdir()
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("BOT_DATA_DIR", str(data))
    kb = load_knowledge(knowledge)
    original = original_version(kb, "fees")
    edited = replace(
        original,
        answer={**original.answer, "en": original.answer["en"] + "\nEdited in the console."},
        by=COORDINATOR,
        by_name="Chen Li",
        at="2026-12-06T10:00:00+00:00",
        action="save",
    )
    write_overrides(overrides_path(data), Overrides((edited,)))
    before = (knowledge / "programme.yaml").read_text(encoding="utf-8")

    assert main(["kb", "overrides"]) == 0
    printed = capsys.readouterr().out
    assert "id: fees" in printed and "Edited in the console." in printed and "Chen Li" in printed

    assert main(["kb", "overrides", "--merge"]) == 0
    assert "programme.yaml: 1 entry replaced" in capsys.readouterr().out
    after = (knowledge / "programme.yaml").read_text(encoding="utf-8")
    assert load_knowledge(knowledge).entries["fees"].answer["en"].endswith("Edited in the console.")
    head, _, rest = before.partition("  - id: fees\n")
    tail = rest[rest.index("\n  - id: ") :]
    assert after.startswith(head) and after.endswith(tail)  # every other entry kept as it was
    assert not overrides_path(data).exists()
    assert list(data.glob("answer-overrides.merged-*.yaml"))


@pytest.mark.process
@pytest.mark.asyncio
async def test_python_m_bot_run_serves_the_console_when_asked(
    server: EmulatorServer, tmp_path: Path
) -> None:
    port = free_port()
    emulator = server.emulator
    bot = BotProcess(
        server.base_url,
        tmp_path,
        emulator.token,
        clean=True,
        BOT_COORDINATOR_IDS=str(COORDINATOR),
        BOT_WEB_URL="http://127.0.0.1/console/",  # http: allowed with a local Bot API only
        BOT_WEB_PORT=str(port),
        BOT_SEMANTIC="off",
    )
    await bot.start_and_wait_for_poll(emulator)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/console/") as client:
            assert (await client.get("")).status_code == 200
            assert (await client.get("api/me")).status_code == 401
            headers = {"Authorization": "tma " + init_data(emulator.token)}
            me = await client.get("api/me", headers=headers)
            assert me.json()["id"] == COORDINATOR
    finally:
        assert await bot.stop() == 0
    assert not _listening(port)


@pytest.mark.asyncio
async def test_the_leads_table_filters_sorts_and_counts(tmp_path: Path) -> None:
    async with console_bot(tmp_path) as console:
        await console.add_lead(1, "Zoé", country="Côte d'Ivoire", level="master",
                               interests=("pharmacy",))  # fmt: skip
        await console.add_lead(2, "Ana", country="Chile", level="phd", interests=("pharmacy",))
        await console.add_lead(3, "Bo", country="Chile_x", level="phd")
        await console.add_lead(4, "Lu", country="Chilex", level="phd")
        async with httpx.AsyncClient(base_url=console.base) as client:

            async def names(query: str) -> tuple[int, list[str]]:
                page = (await client.get(f"api/leads?{query}", headers=console.headers())).json()
                return page["total"], [row["name"] for row in page["rows"]]

            assert await names("sort=name&desc=0") == (4, ["Ana", "Bo", "Lu", "Zoé"])
            assert await names("country=CHILE&sort=name&desc=0") == (3, ["Ana", "Bo", "Lu"])
            assert await names("country=e_x") == (1, ["Bo"])  # "_" is a character, not a joker
            assert await names("interest=pharmacy&level=phd") == (1, ["Ana"])
            assert await names("from=2000-01-01&to=2000-12-31") == (0, [])
            await client.post("api/leads/2/status", headers=console.headers(),
                              json={"status": "contacted"})  # fmt: skip
            assert await names("status=contacted") == (1, ["Ana"])
        lead = await console.storage.get_lead(2)
        assert (lead.status, lead.status_by) == ("contacted", COORDINATOR)  # as the notice's button


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("order", "numbers"),
    [("sort=name&desc=0", range(250)), ("", range(249, -1, -1))],  # by name; newest first
)
async def test_the_leads_table_pages_on_the_server(
    tmp_path: Path, order: str, numbers: range
) -> None:
    async with console_bot(tmp_path) as console:
        for n in range(250):
            await console.add_lead(5000 + n, f"Student {n:03d}", country="Chile")
        await console.add_lead(9000, "Someone Else", country="France")
        async with httpx.AsyncClient(base_url=console.base) as client:

            async def page(offset: int) -> dict[str, Any]:
                query = f"api/leads?{order}&country=chile&offset={offset}"
                return (await client.get(query, headers=console.headers())).json()

            pages = [await page(offset) for offset in (0, 100, 200)]
            assert [p["total"] for p in pages] == [250, 250, 250]
            assert [len(p["rows"]) for p in pages] == [100, 100, 50]
            names = [row["name"] for p in pages for row in p["rows"]]
            assert names == [f"Student {n:03d}" for n in numbers]  # each once, in order
            beyond = await page(900)  # the leads changed meanwhile: the last page
            assert beyond["offset"] == 200 and len(beyond["rows"]) == 50


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["numbers differ", "in English"]),
        ("zh", ["数字不一致", "英文"]),
        ("fr", ["nombres diffèrent", "en anglais"]),
    ],
)
async def test_a_refusal_is_worded_in_the_coordinators_language(
    tmp_path: Path, lang: str, words: list[str]
) -> None:
    async with console_bot(tmp_path) as console:
        headers = console.headers(lang=lang)
        async with httpx.AsyncClient(base_url=console.base, timeout=60) as client:
            topic = (await client.get("api/topics/fees", headers=headers)).json()
            answer = dict(topic["answer"], fr=topic["answer"]["fr"] + " Depuis 2031.", zh="")
            body = {"title": topic["title"], "answer": answer, "examples": topic["examples"]}
            missing = await client.post("api/topics/fees", headers=headers, json=body)
            body["answer"]["zh"] = topic["answer"]["zh"]
            numbers = await client.post("api/topics/fees", headers=headers, json=body)
        texts = services_of(console.bot.app).content.texts
        assert missing.status_code == numbers.status_code == 422
        assert missing.json()["problems"] == [
            texts.get(
                "console_problem_missing",
                lang,
                field=texts.get("console_field_answer", lang),
                language=texts.get("language_name_zh", lang),
            )
        ]
        (reason,) = numbers.json()["problems"]
        assert all(word in reason for word in words) and "2031" in reason
        assert not overrides_path(console.bot.settings.data_dir).exists()


def test_every_console_text_is_in_three_languages() -> None:
    """Each text the page or the server words (``console_*``) exists in en, zh and fr, and
    every key the script and the server name is one of them."""
    texts = Texts.load(REPOSITORY / "conversations")
    console = {k: v for k, v in texts.texts.items() if k.startswith("console_")}
    assert len(console) > 50
    for key, versions in console.items():
        assert set(versions) == {"en", "zh", "fr"} and all(versions.values()), key
    script = (REPOSITORY / "bot" / "web" / "static" / "console.js").read_text(encoding="utf-8")
    used = set(re.findall(r'"(console_[a-z_]*[a-z])"', script))
    assert used <= console.keys()
    server = "".join(
        p.read_text(encoding="utf-8") for p in (REPOSITORY / "bot" / "web").glob("*.py")
    )
    assert set(re.findall(r'"(console_[a-z_]*[a-z])"', server)) <= console.keys()


@pytest.mark.asyncio
async def test_statistics_are_served_from_the_last_figures_never_computed_in_the_call(
    tmp_path: Path,
) -> None:
    """The figures of a period nobody asked for yet: the call answers at once with
    ``pending`` and no summary, the figures are computed in the background, the next call
    serves them (issue 22: no API call waits for a computation)."""
    async with console_bot(tmp_path) as console:
        await console.add_lead(STUDENT, "Ana")
        async with httpx.AsyncClient(base_url=console.base) as client:
            first = (await client.get("api/stats?days=9", headers=console.headers())).json()
            assert first == {"pending": True, "summary": ""}
            for _ in range(300):
                later = (await client.get("api/stats?days=9", headers=console.headers())).json()
                if later["summary"]:
                    break
                await asyncio.sleep(0.05)
        assert "9" in later["summary"] and not later["pending"]


@pytest.mark.asyncio
async def test_a_stale_value_is_served_at_once_while_the_next_is_computed() -> None:
    """The leads' filter choices (a scan of every lead) never hold a call of the leads table:
    once there is a value, a call gets it at once while the next one is computed."""
    from bot.web.refreshed import Refreshed

    release = asyncio.Event()
    computed: list[int] = []

    async def compute() -> int:
        computed.append(len(computed) + 1)
        if len(computed) > 1:
            await release.wait()  # the next value takes its time
        return computed[-1]

    choices = Refreshed("choices", compute, ttl=0.0)  # always stale
    assert await choices.latest() == 1, "the first value is awaited"
    assert await asyncio.wait_for(choices.latest(), 0.5) == 1, "served while the next computes"
    assert choices.pending
    release.set()
    assert choices.task is not None
    await choices.task
    assert choices.value == 2
    choices.cancel()
