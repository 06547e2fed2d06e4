"""A question in each language is answered in that language through REST, LINE, Telegram and the widget.

The same worry in every language ("my company has not paid me for two
months"), sent the way each platform sends it. What counts is the language
of what comes back: the turn's decision names it, and the reply carries that
language's own words (the feedback question after an answer, or "is it
about…?" with the topics). やさしい日本語 is an answer mode of Japanese, chosen
by the person; its answers carry furigana.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest

from bot.settings import load_settings
from bot.texts import get_texts
from tests.channels import test_line as line
from tests.channels import test_telegram as telegram
from tests.channels.test_web_widget import TURN_SECONDS, Widget
from tests.conftest import Servers

pytestmark = pytest.mark.e2e

QUESTIONS = {
    "ja": "会社が2か月も給料を払ってくれません。どうすればいいですか",
    "en": "My company hasn't paid my salary for two months. What can I do?",
    "zh": "公司已经两个月没发工资了，我该怎么办？",
    "vi": "Công ty đã không trả lương cho tôi hai tháng rồi, tôi phải làm sao?",
    "pt": "A empresa não paga meu salário há dois meses. O que eu faço?",
    "es": "La empresa no me paga el sueldo desde hace dos meses. ¿Qué puedo hacer?",
    "tl": "Dalawang buwan na akong hindi pinapasahod ng kompanya. Ano ang dapat kong gawin?",
    "id": "Perusahaan belum membayar gaji saya selama dua bulan. Apa yang harus saya lakukan?",
    "ne": "कम्पनीले दुई महिनादेखि तलब दिएको छैन। म के गर्न सक्छु?",
    "ko": "회사가 두 달째 월급을 안 줘요. 어떻게 해야 하나요?",
    "th": "บริษัทไม่จ่ายเงินเดือนมาสองเดือนแล้ว ฉันควรทำอย่างไร",
    "my": "ကုမ္ပဏီက လစာ နှစ်လ မပေးသေးဘူး။ ဘာလုပ်ရမလဲ",
    "km": "ក្រុមហ៊ុនមិនបានបើកប្រាក់ខែឱ្យខ្ញុំពីរខែហើយ។ តើខ្ញុំគួរធ្វើអ្វី?",
    "mn": "Компани хоёр сар цалин өгөөгүй байна. Би яах ёстой вэ?",
}
TOPIC = "unpaid_wages"
LANGUAGES = list(load_settings().language_codes)


def test_every_language_has_a_question_here() -> None:
    assert sorted(QUESTIONS) == sorted(LANGUAGES)


def own_words(language: str) -> List[str]:
    """Texts only a reply in `language` carries: the feedback question, the clarify question."""
    texts = get_texts()
    return [texts.get(language, "feedback_question"), texts.get(language, "clarify")]


def assert_answered_in(language: str, decision: Dict[str, Any], replies: str) -> None:
    assert decision.get("language") == language, decision
    assert decision["type"] in ("faq_answer", "clarify"), decision
    assert decision.get("topic") == TOPIC or TOPIC in (decision.get("topics") or []), decision
    assert any(words in replies for words in own_words(language)), replies


def decisions(servers: Servers, conversation: str) -> List[Dict[str, Any]]:
    """The `custom` objects of a conversation, from Rasa's tracker API."""
    for _ in range(100):
        response = servers.api("GET", f"/conversations/{conversation}/tracker")
        response.raise_for_status()
        events = response.json()["events"]
        found = [e["data"]["custom"] for e in events if e.get("event") == "bot" and (e.get("data") or {}).get("custom")]
        if found:
            return found
        time.sleep(0.1)
    return []


@pytest.mark.parametrize("language", LANGUAGES)
def test_rest(soba_servers: Servers, language: str) -> None:
    messages = soba_servers.say(f"lang-{uuid.uuid4()}", QUESTIONS[language])

    [decision] = [m["custom"] for m in messages if "custom" in m]
    assert_answered_in(language, decision, "\n".join(m.get("text") or "" for m in messages))


@pytest.mark.parametrize("language", LANGUAGES)
def test_line(soba_servers: Servers, language: str) -> None:
    user = line.new_user()
    body = line.text_event(user, QUESTIONS[language])

    assert line.post(soba_servers, body).status_code == 200

    replies = line.texts_of(line.sent_to(soba_servers, user, body["replyToken"]))
    assert_answered_in(language, decisions(soba_servers, f"line:{user}")[-1], replies)


@pytest.mark.parametrize("language", LANGUAGES)
def test_telegram(soba_servers: Servers, language: str) -> None:
    chat = telegram.new_chat()
    # Telegram's language_code is the app's language; the message's own language wins.
    assert telegram.post(soba_servers, telegram.text_update(chat, QUESTIONS[language], "ja")).status_code == 200

    def replied(calls: List[Any]) -> bool:
        texts = [str(params.get("text", "")) for params in telegram.to_chat(calls, chat)]
        return any(words in text for text in texts for words in own_words(language))

    sent = telegram.to_chat(soba_servers.fakes.telegram.wait_for(replied), chat)
    replies = "\n".join(str(params.get("text", "")) for params in sent)
    assert_answered_in(language, decisions(soba_servers, f"telegram:{chat}")[-1], replies)


@pytest.fixture(scope="module")
def widget_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="ja-JP")
    yield context
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_widget_in_chromium(widget_page: Any, soba_servers: Servers, language: str) -> None:
    page = widget_page.new_page()
    page.set_default_timeout(20000)
    view = Widget(page, soba_servers)
    try:
        view.open_demo()
        page.evaluate("() => localStorage.clear()")  # a new conversation for each language
        page.reload()
        view.open_panel()
        view.ask(QUESTIONS[language])
        page.locator(".soba-msg-bot .soba-text", has_text=own_words(language)[0]).or_(
            page.locator(".soba-msg-bot .soba-text", has_text=own_words(language)[1])
        ).first.wait_for(timeout=TURN_SECONDS * 1000)
        session = view.state()["session"]
        replies = "\n".join(view.bot_texts())
        assert_answered_in(language, decisions(soba_servers, f"web:{session}")[-1], replies)
        assert page.locator(".soba-msg-bot").last.get_attribute("lang") == language
        assert view.csp_violations() == []
    finally:
        page.close()


def test_an_easy_japanese_answer_carries_furigana(soba_servers: Servers) -> None:
    sender = f"lang-{uuid.uuid4()}"
    soba_servers.say(sender, '/choose_language{"language":"ja-easy"}')

    messages = soba_servers.say(sender, "ざんぎょうだい が もらえません")

    answer = "\n".join(m.get("text") or "" for m in messages)
    assert "<ruby>" in answer and "<rt>" in answer
    [decision] = [m["custom"] for m in messages if "custom" in m]
    assert decision["language"] == "ja-easy"
