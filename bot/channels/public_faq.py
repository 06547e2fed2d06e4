"""The public FAQ pages and answer search, served by the Rasa server as an input channel.

Configured in credentials.yml as `bot.channels.public_faq.PublicFaqInput` (no
secrets). It takes no messages: a channel is simply how Rasa lets a project add
public routes beside its webhooks, and these need no API token. Routes:

- `GET /faq/` — choose a language;
- `GET /faq/<lang>/` — every topic in that language;
- `GET /faq/<lang>/<topic>` — one answer (stable URL);
- `GET /faq/<lang>/search?q=…` — search results page;
- `GET /faq/faq.css` — the pages' stylesheet;
- `GET /faq/api/search?q=…&lang=…` — the search as JSON, for the web widget's
  "search answers" box (any origin may call it):

      {"query": "残業代が出ない", "language": "ja",
       "results": [{"topic": "overtime_pay", "title": "残業代・割増賃金（サービス残業）",
                    "snippet": "…", "url": "/faq/ja/overtime_pay", "score": 5.93}]}

  `lang` is a supported code or a variant of one (`ja-easy` is searched and
  answered in Japanese; `language` in the answer says which); without `lang`,
  the query's script decides. `url` is relative to the Soba host. Results are
  best first, at most 10; an empty query gives none.

An unknown language or topic is a 404 page (JSON for the API); a query longer
than settings `max_message_chars` is a 400. Pages carry no script and a strict
Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.knowledge.pages import PREFIX, FaqPages, Page, stylesheet
from bot.knowledge.search import UnknownLanguage, topic_search
from bot.languages import detect_language
from bot.settings import get_settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

CHANNEL = "public_faq"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Answers change when the knowledge base is edited and Soba restarts.
    "Cache-Control": "public, max-age=300",
}
API_HEADERS = {
    # Any site that embeds the widget calls the search from its own origin; the data is public.
    "Access-Control-Allow-Origin": "*",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class PublicFaqInput(InputChannel):
    """Serves the public FAQ pages and the answer search under /faq."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self) -> None:
        self._pages: Optional[FaqPages] = None

    def url_prefix(self) -> str:
        # Absolute, so Rasa's `urljoin("/webhooks/", prefix)` leaves it as is: /faq, not /webhooks/faq.
        return PREFIX

    def pages(self) -> FaqPages:
        """The page renderer, built on first use (the search index takes a few seconds)."""
        if self._pages is None:
            self._pages = FaqPages(topic_search(), get_texts(), get_settings())
        return self._pages

    async def ready_pages(self) -> FaqPages:
        """The page renderer; the first request builds it off the event loop, as the warm-up does."""
        if self._pages is not None:
            return self._pages
        return await asyncio.get_running_loop().run_in_executor(None, self.pages)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        public_faq = Blueprint("public_faq", __name__)

        @public_faq.listener("after_server_start")
        async def warm_up(app: Any, loop: asyncio.AbstractEventLoop) -> None:
            # Build the index off the event loop, one language at a time, so the
            # first visitor does not wait for it and a turn in one language
            # waits at most for that language's index.
            try:
                pages = await self.ready_pages()
                loop = asyncio.get_running_loop()
                for language in pages.finder.languages:
                    await loop.run_in_executor(None, pages.finder.build, language)
            except Exception:  # the pages then fail loudly on request, not the server start
                logger.exception("Could not build the FAQ pages and search index.")

        @public_faq.route("/", methods=["GET"])
        async def languages(_: Request) -> HTTPResponse:
            return _html((await self.ready_pages()).language_choice())

        @public_faq.route("/faq.css", methods=["GET"])
        async def css(_: Request) -> HTTPResponse:
            return response.raw(
                stylesheet(),
                content_type="text/css; charset=utf-8",
                headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
            )

        @public_faq.route("/api/search", methods=["GET"])
        async def api_search(request: Request) -> HTTPResponse:
            settings = get_settings()
            query = request.args.get("q") or ""
            if len(query) > settings.max_message_chars:
                too_long = {"error": "query_too_long", "max_chars": settings.max_message_chars}
                return response.json(too_long, status=400, headers=API_HEADERS)
            language = request.args.get("lang") or detect_language(query, settings.language_codes)
            try:
                body = (await self.ready_pages()).search_json(query, language or settings.default_language)
            except UnknownLanguage:
                return response.json({"error": "unknown_language"}, status=404, headers=API_HEADERS)
            return response.json(body, headers=API_HEADERS, ensure_ascii=False)

        # Sanic's router hands "/faq/" to this route with an empty language,
        # and "/faq/ja/" to the topic route with an empty topic.
        @public_faq.route("/<language>/", methods=["GET"])
        async def index(_: Request, language: str) -> HTTPResponse:
            pages = await self.ready_pages()
            return _html(pages.index(language) if language else pages.language_choice())

        @public_faq.route("/<language>/search", methods=["GET"])
        async def search(request: Request, language: str) -> HTTPResponse:
            return _html((await self.ready_pages()).search(language, request.args.get("q") or ""))

        @public_faq.route("/<language>/<topic>", methods=["GET"])
        async def topic(_: Request, language: str, topic: str) -> HTTPResponse:
            pages = await self.ready_pages()
            return _html(pages.topic(language, topic) if topic else pages.index(language))

        return public_faq


def _html(page: Page) -> HTTPResponse:
    headers = dict(PAGE_HEADERS)
    if page.status != 200:
        headers["Cache-Control"] = "no-store"
    return response.html(page.html, status=page.status, headers=headers)
