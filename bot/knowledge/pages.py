"""The public FAQ pages: every answer browsable per language, and keyword search.

HTML is rendered with Jinja2 (templates in bot/knowledge/templates/,
autoescaping on). Bot text is escaped everywhere; the only markup kept from
it is furigana in the exact form `<ruby>base<rt>reading</rt></ruby>`, and
https addresses become links, as the web widget shows them. Pages carry no
script at all, so a strict Content-Security-Policy holds.

URLs (stable; the channel in bot/channels/public_faq.py serves them):
`/faq/` language choice, `/faq/<lang>/` all topics, `/faq/<lang>/<topic>` one
answer, `/faq/<lang>/search?q=…` results, `/faq/faq.css` the stylesheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.knowledge.base import AnswerLabels, list_separator
from bot.knowledge.search import SearchHit, TopicSearch, UnknownLanguage
from bot.settings import EASY_JAPANESE, Settings, written_in
from bot.text.furigana import with_readings
from bot.texts import Texts

TEMPLATES_DIR = Path(__file__).parent / "templates"
STYLESHEET_FILE = TEMPLATES_DIR / "faq.css"
PREFIX = "/faq"
RESULTS_LIMIT = 10
# The same patterns the web widget uses (bot/channels/static/widget.js).
_RUBY = re.compile(r"<ruby>([^<>]+)<rt>([^<>]+)</rt></ruby>")
_HTTPS_URL = re.compile(r"https://[^\s<>\"'`（）「」『』、。]+")
_TRAILING_PUNCTUATION = re.compile(r"[.,;:!?)\]}]+$")


@dataclass(frozen=True)
class Page:
    """A rendered page and its HTTP status."""

    status: int
    html: str


def _linked(text: str) -> Markup:
    """Escaped text with https addresses as links."""
    parts: List[Markup] = []
    last = 0
    for match in _HTTPS_URL.finditer(text):
        url = _TRAILING_PUNCTUATION.sub("", match.group(0))
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(url))
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def rich_text(text: str) -> Markup:
    """Bot text as HTML: everything escaped except furigana; https addresses linked."""
    parts: List[Markup] = []
    last = 0
    for match in _RUBY.finditer(text):
        parts.append(_linked(text[last : match.start()]))
        parts.append(Markup("<ruby>{}<rt>{}</rt></ruby>").format(match.group(1), match.group(2)))
        last = match.end()
    parts.append(_linked(text[last:]))
    return Markup("").join(parts)


def tel_href(phone: str) -> str:
    """A tel: address for a phone number as written (0120-811-610 -> tel:0120811610)."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def plain_text(text: str) -> str:
    """Bot text without furigana readings, for places that take no markup (<title>)."""
    return _RUBY.sub(lambda match: match.group(1), text)


@lru_cache(maxsize=1)
def stylesheet() -> bytes:
    """The pages' stylesheet, read once."""
    return STYLESHEET_FILE.read_bytes()


def topic_url(language: str, topic: str) -> str:
    """The stable address of one answer."""
    return f"{PREFIX}/{language}/{topic}"


class FaqPages:
    """Renders every public FAQ page from the knowledge base and the search index."""

    def __init__(self, finder: TopicSearch, texts: Texts, settings: Settings) -> None:
        self.finder = finder
        self.base = finder.base
        self.texts = texts
        self.settings = settings
        # Every language Soba writes in: やさしい日本語 has its pages too, with furigana.
        self.languages = settings.answer_languages
        self.names = {language.code: language.name for language in settings.menu_languages}
        # The pages' own words: the `page` section of each language's texts file.
        self.page_texts = {code: dict(texts.section(code, "page")) for code in self.languages}
        self._env = _environment(rich_text)
        # やさしい日本語's pages: the same templates, every bot text with its readings.
        self._easy_env = _environment(lambda text: rich_text(with_readings(text)))

    # ---- pages ---------------------------------------------------------------------------

    def language_choice(self) -> Page:
        """GET /faq/: one link per supported language."""
        choices = [
            {
                "code": code,
                "name": self.names[code],
                "lang": written_in(code),
                "url": f"{PREFIX}/{code}/",
                "tagline": self.page_texts[code]["tagline"],
            }
            for code in self.languages
        ]
        language = self.settings.default_language
        return self._render(200, "languages.html", language, choices=choices, others=[], search_box=False)

    def index(self, language: str) -> Page:
        """GET /faq/<lang>/: every topic's title, linked."""
        if language not in self.languages:
            return self.not_found(None)
        topics = [
            {"title": self.base[topic].title[language], "url": topic_url(language, topic)}
            for topic in self.base.topic_ids
        ]
        return self._render(200, "index.html", language, topics=topics, others=self._others(language, "/"))

    def topic(self, language: str, topic_id: str) -> Page:
        """GET /faq/<lang>/<topic>: the first screen, the details folded in <details>, official links.

        Rendered from the answer's structure (Topic.first_screen and
        Topic.details), never by parsing the chat text.
        """
        if language not in self.languages or topic_id not in self.base:
            return self.not_found(language if language in self.languages else None)
        topic = self.base[topic_id]
        return self._render(
            200,
            "topic.html",
            language,
            title=topic.title[language],
            labels=AnswerLabels.from_texts(self.texts, language),
            screen=topic.first_screen(language),
            details=topic.details(language),
            separator=list_separator(language),
            links=[{"url": link.url, "label": link.labels[language]} for link in topic.links],
            reviewed=topic.reviewed.isoformat(),
            others=self._others(language, f"/{topic_id}"),
        )

    def search(self, language: str, query: str) -> Page:
        """GET /faq/<lang>/search?q=: the ranked topics; 400 for a query over the length limit."""
        if language not in self.languages:
            return self.not_found(None)
        if len(query) > self.settings.max_message_chars:
            return self.bad_request(language)
        query = query.strip()
        hits = [_hit_fields(hit, language) for hit in self.finder.search(query, language, RESULTS_LIMIT)]
        words = self.page_texts[language]
        summary = words["results_for"].format(query=query, count=len(hits)) if hits else words["no_results"]
        return self._render(
            200, "search.html", language, query=query, hits=hits, summary=summary, others=self._others(language, "/")
        )

    def not_found(self, language: str | None) -> Page:
        """The 404 page, in `language` or the default language."""
        language = language or self.settings.default_language
        words = self.page_texts[language]
        return self._render(
            404, "error.html", language, heading=words["not_found_title"], message=words["not_found"], others=[]
        )

    def bad_request(self, language: str | None) -> Page:
        """The 400 page for a search text over the length limit."""
        language = language if language in self.languages else self.settings.default_language
        words = self.page_texts[language]
        message = words["query_too_long"].format(max_chars=self.settings.max_message_chars)
        return self._render(400, "error.html", language, heading=words["bad_request_title"], message=message, others=[])

    # ---- JSON ----------------------------------------------------------------------------

    def search_json(self, query: str, language: str) -> Dict[str, Any]:
        """The widget's search answer: `{"query", "language", "results": [{topic, title, snippet, url, score}]}`.

        Raises UnknownLanguage for a language that is not supported (nor a variant of one).
        """
        served = self.finder.language_of(language)
        query = query.strip()
        hits = self.finder.search(query, served, RESULTS_LIMIT)
        return {"query": query, "language": served, "results": [_hit_fields(hit, served) for hit in hits]}

    # ---- helpers -------------------------------------------------------------------------

    def _render(self, status: int, template: str, language: str, **context: Any) -> Page:
        context.setdefault("search_box", True)
        context.setdefault("query", "")
        env = self._easy_env if language == EASY_JAPANESE else self._env
        html = env.get_template(template).render(
            language=language,
            # ja-easy is Soba's code, not a language tag: its pages are Japanese.
            html_lang=written_in(language),
            t=self.page_texts[language],
            prefix=PREFIX,
            max_chars=self.settings.max_message_chars,
            **context,
        )
        return Page(status, html)

    def _others(self, language: str, path: str) -> List[Mapping[str, str]]:
        """The same page in the other languages."""
        return [
            {"code": code, "lang": written_in(code), "name": self.names[code], "url": f"{PREFIX}/{code}{path}"}
            for code in self.languages
            if code != language
        ]


def _environment(rich: Callable[[str], Markup]) -> Environment:
    """The templates, with bot text turned into HTML by `rich`."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rich"] = rich
    env.filters["plain"] = plain_text
    env.filters["tel"] = tel_href
    return env


def _hit_fields(hit: SearchHit, language: str) -> Dict[str, Any]:
    """One result as the pages and the JSON API give it."""
    return {
        "topic": hit.topic,
        "title": hit.title,
        "snippet": hit.snippet,
        "url": topic_url(language, hit.topic),
        "score": hit.score,
    }


__all__ = ["FaqPages", "Page", "UnknownLanguage", "plain_text", "rich_text", "stylesheet", "tel_href", "topic_url"]
