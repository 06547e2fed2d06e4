"""The public FAQ pages and answer search: rendering, and through the real Rasa server.

The server tests use the `soba_servers` fixture (every channel in
credentials.yml) and never send the API token: these routes are public.
"""

from __future__ import annotations

import re

import pytest
import requests
from markupsafe import escape

from bot import paths
from bot.decision import Outcome
from bot.knowledge import load_knowledge
from bot.knowledge.pages import FaqPages, plain_text, rich_text, tel_href
from bot.knowledge.search import search, topic_search
from bot.settings import load_settings, written_in
from bot.text.furigana import with_readings
from bot.texts import get_texts
from bot.topics import faq_topic_ids
from tests.conftest import Servers
from tests.test_end_to_end import first_decided, new_sender

SETTINGS = load_settings()
LANGUAGES = SETTINGS.answer_languages
# The FAQ pages are served in every language Soba writes in, やさしい日本語 included.
PAGE_LANGUAGES = SETTINGS.answer_languages
TOPICS = faq_topic_ids()
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def get(servers: Servers, path: str, **params: str) -> requests.Response:
    return requests.get(f"{servers.rasa_url}{path}", params=params, timeout=30)


def assert_safe_page(response: requests.Response, language: str) -> None:
    """A page: HTML in `language`, no script anywhere, under a strict policy."""
    assert response.headers["Content-Type"].startswith("text/html")
    assert f'<html lang="{written_in(language)}">' in response.text
    assert "<script" not in response.text.lower()
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy


# ---- rendering (no server) ---------------------------------------------------------------


def test_bot_text_is_escaped_except_furigana_and_https_links() -> None:
    html = str(rich_text("<ruby>解雇<rt>かいこ</rt></ruby>は<b>無効</b> https://www.mhlw.go.jp/a?b=1&c=2。"))

    assert html.startswith("<ruby>解雇<rt>かいこ</rt></ruby>は&lt;b&gt;無効&lt;/b&gt; ")
    assert '<a href="https://www.mhlw.go.jp/a?b=1&amp;c=2" rel="noopener noreferrer">' in html
    assert html.endswith("</a>。")


@pytest.mark.parametrize(
    "text",
    [XSS, '<ruby onclick="x()">a<rt>b</rt></ruby>', "<ruby><script>x</script><rt>b</rt></ruby>", "<a href=x>y</a>"],
)
def test_markup_other_than_plain_ruby_stays_text(text: str) -> None:
    html = str(rich_text(text))

    assert "<" not in html
    assert html == str(escape(text))


def test_only_https_addresses_become_links() -> None:
    assert "<a" not in str(rich_text("javascript:alert(1) http://example.com"))


def test_titles_lose_their_furigana_where_no_markup_is_allowed() -> None:
    assert plain_text("<ruby>残業<rt>ざんぎょう</rt></ruby>代") == "残業代"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_supported_language_has_the_page_texts(language: str) -> None:
    page = get_texts().section(language, "page")

    words = [value for value in page.values() if not isinstance(value, dict)]
    assert words and all(isinstance(value, str) and value.strip() for value in words)


def test_the_law_line_names_each_provision() -> None:
    pages = FaqPages(topic_search(), get_texts(), SETTINGS)

    page = pages.topic("ja", "overtime_pay")

    assert page.status == 200
    assert "<cite>労働基準法第37条</cite>" in page.html
    assert 'href="https://www.check-roudou.mhlw.go.jp/"' in page.html


def test_the_answer_page_shows_the_first_screen_and_folds_the_details() -> None:
    pages = FaqPages(topic_search(), get_texts(), SETTINGS)
    topic = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, TOPICS)["unpaid_wages"]
    screen, details = topic.first_screen("ja"), topic.details("ja")

    html = pages.topic("ja", "unpaid_wages").html

    fold = html.index("<details>")
    assert html.index("<summary>詳しく</summary>") > fold
    assert html.index(str(escape(screen.summary))) < fold
    assert all(html.index(str(escape(step))) < fold for step in screen.steps)
    assert all(html.index(str(escape(deadline))) < fold for deadline in screen.deadlines)
    assert html.index(str(escape(screen.places[0].name))) < fold
    assert html.index(str(escape(details.text))) > fold
    assert html.index("<cite>労働基準法第24条</cite>") > fold
    assert html.index("<cite>賃金の支払の確保等に関する法律施行規則第17条</cite>") > fold
    assert html.index(str(escape(get_texts().get("ja", "answer_closing")))) > html.index("</details>")


def test_the_easy_japanese_page_carries_furigana_and_is_japanese() -> None:
    pages = FaqPages(topic_search(), get_texts(), SETTINGS)

    html = pages.topic("ja-easy", "overtime_pay").html

    assert '<html lang="ja">' in html
    assert "<ruby>残業<rt>ざんぎょう</rt></ruby>" in html
    assert "<title>" in html and "<rt>" not in html[html.index("<title>") : html.index("</title>")]


def test_a_phone_line_is_a_tap_to_call_link() -> None:
    pages = FaqPages(topic_search(), get_texts(), SETTINGS)
    number = SETTINGS.contacts["labor_hotline"]

    html = pages.topic("en", "where_to_consult").html

    assert f'<a class="phone" href="{tel_href(number)}">{number}</a>' in html
    assert tel_href("0120-811-610") == "tel:0120811610"


# ---- through the running server ------------------------------------------------------------


@pytest.mark.e2e
def test_the_language_choice_links_every_language(soba_servers: Servers) -> None:
    response = get(soba_servers, "/faq/")

    assert response.status_code == 200
    assert_safe_page(response, SETTINGS.default_language)
    for code in PAGE_LANGUAGES:
        assert f'href="/faq/{code}/"' in response.text


@pytest.mark.e2e
@pytest.mark.parametrize("language", PAGE_LANGUAGES)
def test_every_topic_has_a_stable_page_in_every_language(soba_servers: Servers, language: str) -> None:
    base = load_knowledge(paths.KNOWLEDGE_DIR, LANGUAGES, TOPICS)
    index = get(soba_servers, f"/faq/{language}/")
    assert index.status_code == 200
    assert_safe_page(index, language)

    for topic in TOPICS:
        url = f"/faq/{language}/{topic}"
        assert f'href="{url}"' in index.text
        page = get(soba_servers, url)
        assert page.status_code == 200, url
        assert_safe_page(page, language)
        title = with_readings(base[topic].title[language]) if language == "ja-easy" else base[topic].title[language]
        assert f"<h1>{rich_text(title)}</h1>" in page.text
        assert f'href="{base[topic].links[0].url}"' in page.text
        assert 'action="/faq/' + language + '/search"' in page.text


@pytest.mark.e2e
def test_search_page_ranks_answers_and_escapes_the_query(soba_servers: Servers) -> None:
    found = get(soba_servers, "/faq/ja/search", q="残業代が出ない")
    assert found.status_code == 200
    assert_safe_page(found, "ja")
    assert re.search(r'<ol class="results">\s*<li>\s*<a href="/faq/ja/overtime_pay">', found.text)

    hostile = get(soba_servers, "/faq/en/search", q=XSS + " overtime")
    assert hostile.status_code == 200
    assert_safe_page(hostile, "en")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in hostile.text
    assert "<img" not in hostile.text

    empty = get(soba_servers, "/faq/en/search", q="")
    assert empty.status_code == 200 and "<ol" not in empty.text


@pytest.mark.e2e
def test_json_search_for_the_widget(soba_servers: Servers) -> None:
    response = get(soba_servers, "/faq/api/search", q="残業代が出ない", lang="ja")

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["query"] == "残業代が出ない" and body["language"] == "ja"
    first = body["results"][0]
    assert set(first) == {"topic", "title", "snippet", "url", "score"}
    assert first["topic"] == "overtime_pay" and first["url"] == "/faq/ja/overtime_pay"
    assert [r["topic"] for r in body["results"]] == [hit.topic for hit in search("残業代が出ない", "ja", 10)]
    assert get(soba_servers, first["url"]).status_code == 200


@pytest.mark.e2e
def test_json_search_language_variants_detection_and_empty_queries(soba_servers: Servers) -> None:
    easy = get(soba_servers, "/faq/api/search", q="ざんぎょうの おかね", lang="ja-easy").json()
    assert easy["language"] == "ja" and easy["results"][0]["url"].startswith("/faq/ja/")

    detected = get(soba_servers, "/faq/api/search", q="my boss yells at me").json()
    assert detected["language"] == "en" and detected["results"][0]["topic"] == "power_harassment"

    assert get(soba_servers, "/faq/api/search", q="", lang="en").json()["results"] == []
    assert get(soba_servers, "/faq/api/search", q=XSS, lang="en").json()["query"] == XSS


@pytest.mark.e2e
@pytest.mark.parametrize("path", ["/faq/xx/", "/faq/xx/overtime_pay", "/faq/ja/no_such_topic", "/faq/en/search_x"])
def test_unknown_language_or_topic_is_a_404_page(soba_servers: Servers, path: str) -> None:
    response = get(soba_servers, path)

    assert response.status_code == 404
    assert "<h1>" in response.text and "<script" not in response.text.lower()


@pytest.mark.e2e
def test_unknown_language_in_the_api_is_a_404(soba_servers: Servers) -> None:
    response = get(soba_servers, "/faq/api/search", q="overtime", lang="xx")

    assert response.status_code == 404
    assert response.json() == {"error": "unknown_language"}


@pytest.mark.e2e
def test_an_over_long_query_is_refused(soba_servers: Servers) -> None:
    too_long = "overtime " * (SETTINGS.max_message_chars // 9 + 1)
    longest = ("overtime " * (SETTINGS.max_message_chars // 9 + 1))[: SETTINGS.max_message_chars]

    assert get(soba_servers, "/faq/en/search", q=too_long).status_code == 400
    api = get(soba_servers, "/faq/api/search", q=too_long, lang="en")
    assert api.status_code == 400 and api.json()["error"] == "query_too_long"
    assert get(soba_servers, "/faq/api/search", q=longest, lang="en").status_code == 200
    # Long Japanese text percent-encodes to more than the server takes in a request line.
    assert get(soba_servers, "/faq/api/search", q="残" * (SETTINGS.max_message_chars + 1)).status_code in (400, 413)


@pytest.mark.e2e
def test_the_stylesheet_is_served(soba_servers: Servers) -> None:
    response = get(soba_servers, "/faq/faq.css")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")


# Messages a model may well not place, but whose words name a topic.
UNPLACED = ["職場の人間関係がしんどくて毎朝つらい", "会社のことで困ってる", "あの件どうなってますか"]


@pytest.mark.e2e
def test_say_it_another_way_offers_the_search_suggestions(soba_servers: Servers) -> None:
    candidates = [text for text in UNPLACED if search(text, "ja", 3)]
    text, _ = first_decided(soba_servers, candidates, Outcome.REPHRASE)

    messages = soba_servers.say(new_sender(), text)

    customs = [m["custom"] for m in messages if "custom" in m]
    assert customs == [{"type": "rephrase", "language": "ja"}]
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    expected = [f'/faq{{"topic":"{hit.topic}"}}' for hit in search(text, "ja", 3)]
    assert payloads == expected + ["/request_human"]
