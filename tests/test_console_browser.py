"""The console in a real browser (headless Chromium from the system's packages, driven by
Playwright), end to end with the bot on the emulator: a stub of ``window.Telegram.WebApp``
hands the page init data signed with the test token, as Telegram would. Screenshots of each
screen at 360 and 1,280 pixels wide are saved under the test's tmp dir.

Skipped when Chromium (``/usr/bin/chromium``) or the ``playwright`` package is missing;
``.ci/run`` installs Chromium."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.reports.labels import status_label
from bot.telegram.context import services_of
from tests.auxil.console import COORDINATOR, STUDENT, ConsoleBot, console_bot, init_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.asyncio,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None,
        reason="needs Chromium (apt-get install chromium) and the playwright package",
    ),
]
WIDTHS = (360, 1280)
SCREENS = Path(os.environ["CONSOLE_SCREENS"]) if os.environ.get("CONSOLE_SCREENS") else None
DARK = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
        "button_color": "#5288c1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#232e3c"}  # fmt: skip


def _stub(init: str, theme: dict[str, str]) -> str:
    """``telegram-web-app.js`` as the page gets it inside Telegram, reduced to what it uses."""
    unsafe = {"user": json.loads(dict(_pairs(init))["user"])}
    return (
        f"window.Telegram = {{WebApp: {{initData: {json.dumps(init)}, "
        f"initDataUnsafe: {json.dumps(unsafe)}, themeParams: {json.dumps(theme)}, "
        "ready() {}, expand() {}}};"
    )


def _pairs(init: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(init)


@asynccontextmanager
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def open_console(
    chromium: Any,
    console: ConsoleBot,
    *,
    user_id: int = COORDINATOR,
    lang: str = "en",
    width: int = 1280,
    theme: dict[str, str] | None = None,
) -> Any:
    """A page of the console as Telegram opens it for ``user_id``."""
    page = await chromium.new_page(viewport={"width": width, "height": 900})
    stub = _stub(init_data(console.token, user_id, lang=lang), theme or {})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.dialogs = dialogs

    async def telegram_script(route: Any) -> None:
        await route.fulfill(content_type="application/javascript", body=stub)

    await page.route("https://telegram.org/**", telegram_script)
    await page.goto(console.base)
    return page


async def shoot(page: Any, directory: Path, name: str) -> None:
    """Screenshots of the page at each width."""
    directory.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=str(directory / f"{name}-{width}.png"), full_page=True)


async def ask(console: ConsoleBot, text: str) -> str:
    """A student asks ``text``; the bot's reply as they see it."""
    student = console.bot.user(STUDENT + 1, name="Ana")
    await console.bot.send(student, text)
    return student.last.text


async def test_an_edit_reaches_students_a_bad_one_is_refused_and_revert_restores(
    tmp_path: Path,
) -> None:
    async with console_bot(tmp_path / "data") as console, browser() as chromium:
        before = await ask(console, "How much are the fees?")
        page = await open_console(chromium, console)
        await page.fill("#topic-search", "fees")
        await page.click("button[data-topic='fees']")
        answer = page.locator("textarea[name='answer-en']")
        await answer.fill((await answer.input_value()) + "\nEdited in the console.")
        preview = page.locator(".preview-box[data-lang='en']")
        assert "Edited in the console." in await preview.inner_text()  # live preview
        await page.click("#save")
        await page.wait_for_selector("#status.ok")
        assert "Edited in the console." in await ask(console, "How much are the fees?")
        await shoot(page, tmp_path / "screens", "answers")

        french = page.locator("textarea[name='answer-fr']")
        await french.fill((await french.input_value()) + " Depuis 2031.")
        await page.click("#save")
        await page.wait_for_selector("#status.problems")
        problems = await page.inner_text("#problems")
        assert "numbers differ" in problems and "2031" in problems
        reply = await ask(console, "How much are the fees?")
        assert "Edited in the console." in reply and "2031" not in reply

        await page.click("button.revert[data-index='-1']")  # the knowledge files' version
        await page.wait_for_selector("#status.ok")
        assert await ask(console, "How much are the fees?") == before
        history = await page.inner_text(".history")
        assert "Chen Li" in history
        assert page.dialogs == []


async def test_leads_filter_status_digest_download_and_escaping(tmp_path: Path) -> None:
    from playwright.async_api import expect

    hostile = '<img src=x onerror=alert(1)><script>alert("x")</script>'
    async with console_bot(tmp_path / "data") as console, browser() as chromium:
        await console.add_lead(STUDENT, hostile, country="Chile", level="master")
        await console.add_lead(STUDENT + 5, "Marie Curie", country="France", level="phd")
        page = await open_console(chromium, console, width=360)
        await page.click("#tab-leads")
        await page.wait_for_selector(f"tr[data-user='{STUDENT}']")
        name = page.locator(f"tr[data-user='{STUDENT}'] td.name")
        assert await name.inner_text() == hostile  # shown as text
        assert await page.locator("#leads img, #leads script").count() == 0
        await page.fill("input[name='country']", "chile")
        await page.press("input[name='country']", "Enter")
        await expect(page.locator("#leads tbody tr")).to_have_count(1)
        await page.click(f"tr[data-user='{STUDENT}'] button[data-status='contacted']")
        texts = services_of(console.bot.app).content.texts
        contacted = status_label(texts, "contacted", "en")
        await expect(page.locator(f"tr[data-user='{STUDENT}'] td.status")).to_have_text(
            texts.get("coordinator_status_contacted", "en")
        )
        async with page.expect_download() as download_info:
            await page.click("#download")
        download = await download_info.value
        path = tmp_path / "leads.xlsx"
        await download.save_as(path)
        assert path.read_bytes()[:2] == b"PK"
        await shoot(page, tmp_path / "screens", "leads")
        coordinator = console.bot.user(COORDINATOR, name="Chen")
        await console.bot.send(coordinator, "/digest")
        digest = "\n".join(m.text for m in coordinator.messages)
        assert contacted in digest
        assert page.dialogs == []


async def test_add_as_example_makes_the_bot_answer(tmp_path: Path) -> None:
    question = "Can I bring my cat to the dormitory?"
    async with console_bot(tmp_path / "data") as console, browser() as chromium:
        declined = await ask(console, question)
        await console.storage.questions.flush()
        page = await open_console(chromium, console, lang="fr")
        await page.click("#tab-teach")
        group = page.locator(".group").first
        await group.wait_for()
        assert question in await group.inner_text()
        await group.locator("input[type='search']").fill("logement")
        await group.locator("button.learn[data-topic='housing']").last.click()
        await page.wait_for_selector("#status.ok")
        answered = await ask(console, question)
        assert answered != declined
        housing = services_of(console.bot.app).content.assistant.kb.render("housing", "en")
        assert answered.splitlines()[0] in housing


@pytest.mark.parametrize("lang", ["en", "zh", "fr"])
async def test_every_screen_in_each_language_theme_and_width(tmp_path: Path, lang: str) -> None:
    async with console_bot(tmp_path / "data") as console, browser() as chromium:
        await console.add_lead(STUDENT, "Ana", country="Chile")
        texts = services_of(console.bot.app).content.texts
        page = await open_console(chromium, console, lang=lang, theme=DARK)
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(23, 33, 43)"  # Telegram's theme colours
        for tab in ("answers", "leads", "teach", "stats"):
            await page.click(f"#tab-{tab}")
            label = await page.inner_text(f"#tab-{tab}")
            assert label == texts.get(f"console_tab_{tab}", lang)
            await page.wait_for_load_state("networkidle")
            if tab == "stats":
                chart = page.locator("img.chart[src^='blob:']")
                await chart.wait_for()
                natural = "img => img.decode().then(() => img.naturalWidth)"
                assert await chart.evaluate(natural) > 300
            await shoot(page, tmp_path / "screens", f"{tab}-{lang}")
        summary = await page.inner_text("#summary")
        assert summary.strip()
        await page.set_viewport_size({"width": 360, "height": 900})
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360  # nothing sticks out of a phone's screen
        assert sorted(p.name for p in (tmp_path / "screens").iterdir())[:2] == [
            f"answers-{lang}-1280.png",
            f"answers-{lang}-360.png",
        ]


async def test_a_student_opening_the_console_sees_nothing(tmp_path: Path) -> None:
    async with console_bot(tmp_path / "data") as console, browser() as chromium:
        await console.add_lead(STUDENT, "Ana Secret")
        page = await open_console(chromium, console, user_id=STUDENT)
        await page.wait_for_selector("#status.problems")
        body = await page.inner_text("body")
        assert "Ana Secret" not in body
        assert await page.locator("#tabs button").count() == 0


async def test_the_leads_table_pages_and_a_refusal_reads_in_french(tmp_path: Path) -> None:
    """Issue 22, session 3: 250 leads in pages of 100 cut by the server; a refused edit
    says why in the coordinator's language."""
    from playwright.async_api import expect

    async with console_bot(tmp_path / "data") as console, browser() as chromium:
        for n in range(250):
            await console.add_lead(5000 + n, f"Student {n:03d}", country="Chile")
        page = await open_console(chromium, console, lang="fr", width=360)
        texts = services_of(console.bot.app).content.texts
        await page.click("#tab-leads")
        rows = page.locator("#leads tbody tr")
        await expect(rows).to_have_count(100)
        await page.select_option("select[name='sort']", "name")
        await expect(page.locator("#lead-count")).to_have_text("1–100 sur 250 inscriptions")
        assert await page.locator("#leads-previous").is_disabled()
        await page.click("#leads-next")  # a coordinator sees the second page, then turns again
        await expect(page.locator("#lead-count")).to_have_text("101–200 sur 250 inscriptions")
        await page.click("#leads-next")
        await expect(page.locator("#lead-count")).to_have_text("201–250 sur 250 inscriptions")
        await expect(rows).to_have_count(50)
        assert await page.locator("#leads-next").is_disabled()
        # by name, descending (the default order): the third page starts at the 201st
        assert await rows.first.locator("td.name").inner_text() == "Student 049"
        await shoot(page, SCREENS or tmp_path / "screens", "leads-pages")
        await page.fill("input[name='country']", "nowhere")
        await page.press("input[name='country']", "Enter")
        await expect(page.locator("#lead-count")).to_have_text("0–0 sur 0 inscription")

        await page.click("#tab-answers")
        await page.fill("#topic-search", "fees")
        await page.click("button[data-topic='fees']")
        french = page.locator("textarea[name='answer-fr']")
        await french.fill((await french.input_value()) + " Depuis 2031.")
        await page.click("#save")
        await page.wait_for_selector("#status.problems")
        problems = await page.inner_text("#problems")
        expected = texts.get(
            "console_problem_numbers",
            "fr",
            language=texts.get("language_name_fr", "fr"),
            only_en="—",
            only_other="2031",
        )
        assert problems.strip() == expected
        assert "nombres diffèrent" in problems
        await shoot(page, SCREENS or tmp_path / "screens", "refused-fr")
        assert page.dialogs == []
