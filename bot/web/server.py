"""The console's HTTP server: tornado, in the bot's process and on its event loop.

Tornado is what python-telegram-bot's own webhook server runs on, and the bot already
imports it (:mod:`bot.telegram.inbox`), so the console adds no dependency, no import time and
no thread (docs/console.md has the measurements). Every ``/console/api/`` call is checked by
:func:`bot.web.auth.verify` before anything else; the page itself is static and public.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from datetime import datetime
from http import HTTPStatus
from typing import Any, Final

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.content.knowledge import KnowledgeError
from bot.content.languages import LANGUAGES
from bot.reports import charts, stats
from bot.reports.export import Exporter
from bot.storage import IGNORED, STATUSES
from bot.telegram.content import learn_group
from bot.telegram.context import Services, services_of
from bot.telegram.inbox import inbox_of
from bot.web import answers, leads
from bot.web.auth import Caller, verify
from bot.web.console import STATIC, Console
from bot.web.problems import Problem, not_applied
from bot.web.problems import worded as problems_worded

_LOGGER = logging.getLogger(__name__)

PREFIX: Final = "/console"
MAX_BODY: Final = 64 * 1024  # bytes of a request body (an answer in three languages fits)
MAX_READ: Final = 4 * MAX_BODY  # bigger bodies are not even read: the connection is closed
CSP: Final = (
    "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)


def _language(code: str) -> str:
    code = code.lower()[:2]
    return code if code in LANGUAGES else "en"


class _Base(tornado.web.RequestHandler):
    def initialize(self, console: Console) -> None:
        self.console = console

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Errors are logged without the request (it carries init data)."""
        if not isinstance(value, tornado.web.HTTPError):
            _LOGGER.error(
                "console: %s", typ.__name__ if typ else "error", exc_info=(typ, value, tb)
            )


class Page(_Base):
    """The single page (public: it holds no data; the API checks who asks)."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.write((STATIC / "index.html").read_bytes())


class PageTexts(_Base):
    """The page's own texts in one language (public like the page: no data in them), so that
    even a refused visitor reads why."""

    def get(self, lang: str) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(self.console.texts(_language(lang)), ensure_ascii=False))


class Static(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")


class Api(_Base):
    """A JSON API call of a verified coordinator; anything else gets 401 and changes nothing."""

    caller: Caller
    lang: str

    def prepare(self) -> None:
        self.set_header("Cache-Control", "no-store")
        if len(self.request.body or b"") > MAX_BODY:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        header = self.request.headers.get("Authorization", "")
        scheme, _, init_data = header.partition(" ")
        settings = self.console.services.settings
        caller = (
            verify(init_data, self.console.token, settings.coordinator_ids)
            if scheme == "tma"
            else None
        )
        if caller is None:
            raise tornado.web.HTTPError(HTTPStatus.UNAUTHORIZED)
        self.caller = caller
        self.lang = _language(self.get_query_argument("lang", "") or caller.language_code)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish({"error": status_code})

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        return data

    def send(self, data: Any, status: int = HTTPStatus.OK) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False))

    def send_problems(self, problems: list[Problem]) -> None:
        """The reasons an edit was refused (422), in the caller's language; or 200 if none."""
        texts = self.services.content.texts
        worded = problems_worded(problems, texts, self.lang)
        self.send({"problems": worded}, HTTPStatus.UNPROCESSABLE_ENTITY if problems else 200)

    @property
    def services(self) -> Services:
        return self.console.services


class Me(Api):
    async def get(self) -> None:
        self.send(
            {
                "id": self.caller.id,
                "name": self.caller.name,
                "lang": self.lang,
            }
        )


class Topics(Api):
    async def get(self) -> None:
        query = self.get_query_argument("q", "")[:200]
        self.send(answers.search(self.console.base, self.services, query))


class Topic(Api):
    async def get(self, entry_id: str) -> None:
        found = answers.topic(self.console.base, self.services, entry_id)
        if found is None:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        self.send(found)

    async def post(self, entry_id: str) -> None:
        if entry_id not in self.console.base.entries:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        problems = await answers.save(
            self.console.base, self.services, entry_id, self.body(), self.caller
        )
        self.send_problems(problems)


class Revert(Api):
    async def post(self, entry_id: str) -> None:
        if entry_id not in self.console.base.entries:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        problems = await answers.revert(
            self.console.base, self.services, entry_id, self.body().get("index"), self.caller
        )
        if problems is None:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        self.send_problems(problems)


def _query(handler: Api) -> dict[str, str]:
    names = ("status", "from", "to", "country", "level", "interest", "sort", "desc")
    return {n: handler.get_query_argument(n, "")[:100] for n in names}


class Leads(Api):
    async def get(self) -> None:
        storage, zone = self.services.storage, self.services.settings.tzinfo
        query = leads.lead_filter(_query(self), zone)
        raw = self.get_query_argument("offset", "")
        offset = min(int(raw), leads.MAX_OFFSET) if raw.isdigit() else 0
        total, found = await storage.find_leads(query, leads.MAX_ROWS, offset=offset)
        if not found and offset:  # past the end (the leads changed meanwhile): the last page
            offset = max(0, (total - 1) // leads.MAX_ROWS * leads.MAX_ROWS)
            total, found = await storage.find_leads(query, leads.MAX_ROWS, offset=offset)
        levels, interests = await self.console.choices.latest()
        kb = self.services.content.assistant.kb
        titles = {i: kb.title(i, self.lang) for i in interests if i in kb.entries or i in kb.items}
        self.send(
            {
                "total": total,
                "offset": offset,
                "page": leads.MAX_ROWS,
                "rows": [leads.row(lead, zone) for lead in found],
                "choices": {"statuses": list(STATUSES), "levels": levels, "interests": interests},
                "titles": titles,
            }
        )


class LeadStatus(Api):
    async def post(self, user_id: str) -> None:
        status = self.body().get("status")
        if status not in ("contacted", "not_relevant"):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        # The same call the notice buttons make (bot.telegram.handlers.notices.on_button).
        lead = await self.services.storage.set_lead_status(int(user_id), status, by=self.caller.id)
        if lead is None:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        self.send(leads.row(lead, self.services.settings.tzinfo))


class LeadsXlsx(Api):
    async def get(self) -> None:
        services = self.services
        zone = services.settings.tzinfo
        _, found = await services.storage.find_leads(leads.lead_filter(_query(self), zone))
        texts = services.content.texts
        exporter = Exporter(
            services.content.assistant.kb,
            texts,
            self.lang,
            zone,
            names={self.caller.id: self.caller.name},
        )
        data = await asyncio.to_thread(
            exporter.xlsx, found, texts.get("leads_sheet_title", self.lang)
        )
        stamp = datetime.now(zone).strftime("%Y-%m-%d")
        self.set_header(
            "Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        self.set_header("Content-Disposition", f'attachment; filename="leads-{stamp}.xlsx"')
        self.finish(data)


class Unanswered(Api):
    """The unanswered questions grouped as ``/unanswered`` groups them, as last grouped
    (``pending`` true while they are read and grouped again: the page asks again a moment
    later)."""

    async def get(self) -> None:
        shown = self.console.unanswered.get() or []
        kb = self.services.content.assistant.kb
        self.send(
            {
                "pending": self.console.unanswered.pending,
                "groups": [
                    {
                        "id": group.id,
                        "count": group.count,
                        "samples": group.samples,
                        "nearest": [
                            {"id": e, "title": kb.title(e, self.lang)}
                            for e in group.entries
                            if e in kb.entries
                        ],
                    }
                    for group in shown
                ],
            }
        )


class Learn(Api):
    """Add a group's questions as examples of an entry, as ``/unanswered``'s button does."""

    async def post(self, group_id: str) -> None:
        services = self.services
        entry_id = self.body().get("entry")
        group = await services.storage.review_group(int(group_id))
        if group is None or group.resolved is not None or not group.questions:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        if entry_id == "":  # ignore
            await services.storage.resolve_group(group.id, IGNORED)
            self.console.reviewed(group.id)
            self.send({"problems": []})
            return
        if not isinstance(entry_id, str) or entry_id not in services.content.assistant.kb.entries:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        try:
            await learn_group(services, group, entry_id)
        except KnowledgeError as error:
            self.send_problems([not_applied(error.problems)])
            return
        self.console.reviewed(group.id)
        self.send({"problems": []})


def _days(handler: Api) -> int:
    raw = handler.get_query_argument("days", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= stats.MAX_DAYS else stats.DEFAULT_DAYS


class Stats(Api):
    """The summary of /stats, from the last figures (none yet: ``pending``, ask again)."""

    async def get(self) -> None:
        services = self.services
        refreshed = self.console.figures(_days(self))
        figures = refreshed.get()
        if figures is None:
            self.send({"pending": True, "summary": ""})
            return
        texts, kb = services.content.texts, services.content.assistant.kb
        summary = stats.summary(figures, texts, kb, self.lang)
        self.send({"pending": refreshed.pending, "summary": summary})


class StatsChart(Api):
    async def get(self) -> None:
        services = self.services
        figures = await self.console.figures(_days(self)).wait()  # a file: it may wait
        labels = stats.chart_labels(services.content.texts, self.lang)
        png = await asyncio.to_thread(charts.draw, figures, labels)
        self.set_header("Content-Type", "image/png")
        self.finish(png)


class NotFound(_Base):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)


def make_app(console: Console) -> tornado.web.Application:
    """The console's routes."""
    shared = {"console": console}
    api = f"{PREFIX}/api"
    topic = r"([a-z0-9-]{1,64})"
    return tornado.web.Application(
        [
            (rf"{PREFIX}/?", Page, shared),
            (rf"{PREFIX}/static/(.*)", Static, {"path": str(STATIC)}),
            (rf"{PREFIX}/texts/([a-z]{{2}})\.json", PageTexts, shared),
            (rf"{api}/me", Me, shared),
            (rf"{api}/topics", Topics, shared),
            (rf"{api}/topics/{topic}", Topic, shared),
            (rf"{api}/topics/{topic}/revert", Revert, shared),
            (rf"{api}/leads", Leads, shared),
            (rf"{api}/leads\.xlsx", LeadsXlsx, shared),
            (rf"{api}/leads/(\d{{1,15}})/status", LeadStatus, shared),
            (rf"{api}/unanswered", Unanswered, shared),
            (rf"{api}/unanswered/(\d{{1,15}})", Learn, shared),
            (rf"{api}/stats", Stats, shared),
            (rf"{api}/stats\.png", StatsChart, shared),
        ],
        default_handler_class=NotFound,
        default_handler_args=shared,
        compress_response=True,
        log_function=lambda handler: None,  # no access log: URLs and headers stay out of logs
    )


class WebServer:
    """The console's server, started and stopped with the bot; in webhook mode it serves the
    webhook too, on the same port (:class:`bot.telegram.inbox.WebhookHost`)."""

    def __init__(self, services: Services, token: str) -> None:
        self.console = Console(services, token)
        self.app = make_app(self.console)
        self.server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    def add_webhook(
        self, path: str, handler: type[tornado.web.RequestHandler], kwargs: dict[str, Any]
    ) -> None:
        """Serve the webhook's ``path`` too (matched before the console's routes)."""
        self.app.add_handlers(r".*", [(path, handler, kwargs)])

    async def start(self, port: int, address: str = "0.0.0.0") -> int:
        """Listen on ``port`` (0: any free one); the port listened on."""
        self.server = tornado.httpserver.HTTPServer(self.app, max_body_size=MAX_READ, xheaders=True)
        sockets = tornado.netutil.bind_sockets(port, address)
        self.server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        self.console.stop()
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None


_SERVER: Final = "web_server"


async def start(application: Any) -> WebServer | None:
    """Start the console with ``application`` (its ``post_init``) when ``BOT_WEB_URL`` is set;
    without it nothing listens and None is returned."""
    services = services_of(application)
    settings = services.settings
    if not settings.web_url:
        return None
    server = WebServer(services, application.bot.token)
    server.console.check_texts()
    # What a first grouping builds (the matcher's spelling corrector, 0.1-0.3 s) is built in a
    # worker thread before anyone can call: it no longer holds the event loop under a call.
    await server.console.prepared(services.content.assistant)
    await server.start(settings.web_port)
    server.console.warm()
    # What the bot loaded at start (the content, the matcher's indexes: ~350,000 objects) is
    # moved out of the garbage collector's reach: a full collection no longer scans it, and no
    # longer holds the event loop 60-100 ms while the console groups questions or computes
    # statistics (measured: BENCHMARKS.md, issue 22 session 3).
    gc.freeze()
    application.bot_data[_SERVER] = server
    inbox = inbox_of(application)
    if inbox is not None:  # in webhook mode, the webhook is served on this port
        inbox.webhook_host = server
    _LOGGER.info("console listening on port %d", server.port)
    return server


async def stop(application: Any) -> None:
    """Stop the console started by :func:`start`, if any (``post_shutdown``)."""
    server = application.bot_data.pop(_SERVER, None)
    if isinstance(server, WebServer):
        await server.stop()
