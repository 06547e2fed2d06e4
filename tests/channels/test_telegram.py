"""Telegram through the real Rasa server: updates as Telegram sends them, the fake Bot API records the bot's calls."""

from __future__ import annotations

import itertools
import json
import random
import time
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot import cli
from bot.channels.language_hint import language_hint
from bot.channels.payloads import expand, shorten
from bot.channels.telegram import command
from bot.channels.telegram_render import MAX_CALLBACK_BYTES, inline_keyboard, text_chunks
from bot.decision import Outcome
from bot.languages import choose_language_payload
from bot.settings import load_settings
from bot.text.scripts import has_japanese
from bot.texts import get_texts
from tests.conftest import TELEGRAM_SECRET, PlatformFakes, Servers, clear_caches
from tests.fakes.recording_api import Call
from tests.fakes.telegram_api import BOT_USER, call_params
from tests.test_end_to_end import AMBIGUOUS, first_decided

e2e = pytest.mark.e2e
WEBHOOK = "/webhooks/telegram/webhook"
# Telegram numbers updates in sequence; start high so no two test runs share ids in one database.
_update_ids = itertools.count(random.randrange(10**8, 10**9, 10**5))


def new_chat() -> int:
    return random.randrange(10**9, 10**10)


def person(chat_id: int, language_code: str = "ja") -> Dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Linh", "username": "linh", "language_code": language_code}


def message_update(chat_id: int, language_code: str = "ja", **content: Any) -> Dict[str, Any]:
    """An update with a new message, as Telegram posts it to a webhook."""
    message: Dict[str, Any] = {
        "message_id": random.randrange(1, 10**6),
        "from": person(chat_id, language_code),
        "chat": {"id": chat_id, "first_name": "Linh", "username": "linh", "type": "private"},
        "date": int(time.time()),
        **content,
    }
    text = content.get("text", "")
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": next(_update_ids), "message": message}


def text_update(chat_id: int, text: str, language_code: str = "ja") -> Dict[str, Any]:
    return message_update(chat_id, language_code, text=text)


def photo_update(chat_id: int) -> Dict[str, Any]:
    sizes = [(90, 67, 1254), (320, 240, 15338), (800, 600, 64201)]
    photo = [
        {"file_id": f"AgACAgUAAxkBAAI{w}", "file_unique_id": f"AQAD{w}", "file_size": size, "width": w, "height": h}
        for w, h, size in sizes
    ]
    return message_update(chat_id, photo=photo)


def sticker_update(chat_id: int) -> Dict[str, Any]:
    sticker = {
        "file_id": "CAACAgIAAxkBAAIBQ2Z",
        "file_unique_id": "AgADbQADwDZPEw",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "😢",
        "set_name": "HotCherry",
        "file_size": 23412,
    }
    return message_update(chat_id, sticker=sticker)


def callback_update(chat_id: int, data: str, language_code: str = "ja", message_id: int = 4242) -> Dict[str, Any]:
    """A button tap, with the bot's message that carried the keyboard."""
    bot_message = {
        "message_id": message_id,
        "from": BOT_USER,
        "chat": {"id": chat_id, "first_name": "Linh", "type": "private"},
        "date": int(time.time()) - 5,
        "text": "…",
        "reply_markup": {"inline_keyboard": [[{"text": "…", "callback_data": data}]]},
    }
    query = {
        "id": str(random.randrange(10**17, 10**18)),
        "from": person(chat_id, language_code),
        "message": bot_message,
        "chat_instance": str(-random.randrange(10**17, 10**18)),
        "data": data,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


def post(servers: Servers, update: Any, secret: str | None = TELEGRAM_SECRET) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    return requests.post(f"{servers.rasa_url}{WEBHOOK}", data=body, headers=headers, timeout=30)


def to_chat(calls: List[Call], chat_id: int, method: str = "sendMessage") -> List[Dict[str, Any]]:
    """The parameters of the calls of `method` for `chat_id`, in order."""
    found = [call_params(c) for c in calls if c.path.endswith(f"/{method}")]
    return [params for params in found if str(params.get("chat_id")) == str(chat_id)]


def wait_for_messages(servers: Servers, chat_id: int, count: int = 1, containing: str = "") -> List[Dict[str, Any]]:
    """The sendMessage calls for `chat_id`, once `count` of them (with `containing` in one) arrived."""

    def arrived(calls: List[Call]) -> bool:
        sent = to_chat(calls, chat_id)
        return len(sent) >= count and any(containing in str(p.get("text", "")) for p in sent)

    return to_chat(servers.fakes.telegram.wait_for(arrived), chat_id)


def keyboard(params: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The inline keyboard's buttons of one sendMessage, row by row flattened."""
    return [button for row in (params.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]


def tracker(servers: Servers, chat_id: int) -> Dict[str, Any]:
    response = servers.api("GET", f"/conversations/telegram:{chat_id}/tracker")
    response.raise_for_status()
    return response.json()


def decisions(servers: Servers, chat_id: int) -> List[Dict[str, Any]]:
    """The `custom` objects the bot produced in this conversation (never sent to Telegram)."""
    events = tracker(servers, chat_id)["events"]
    return [e["data"]["custom"] for e in events if e.get("event") == "bot" and (e.get("data") or {}).get("custom")]


def texts(language: str, key: str) -> str:
    return get_texts().get(language, key)


# --- through the real servers -------------------------------------------------------------


@e2e
def test_a_question_is_answered_with_plain_text_and_feedback_buttons(soba_servers: Servers) -> None:
    chat = new_chat()

    response = post(soba_servers, text_update(chat, "残業代が払われません"))

    assert response.status_code == 200
    sent = wait_for_messages(soba_servers, chat, count=2, containing=texts("ja", "feedback_question"))
    assert all("parse_mode" not in params for params in sent)
    assert not any("faq_answer" in str(params.get("text")) for params in sent)
    assert "割増賃金" in str(sent[0]["text"]) and "労働基準法第37条" not in str(sent[0]["text"])
    details = keyboard(sent[0])
    assert [b["text"] for b in details] == [texts("ja", "details_label")]
    buttons = keyboard(sent[-1])
    assert [b["text"] for b in buttons] == [texts("ja", "feedback_yes"), texts("ja", "feedback_no")]
    assert buttons[0]["callback_data"].startswith("/feedback_positive")
    assert all(len(b["callback_data"].encode()) <= MAX_CALLBACK_BYTES for b in buttons + details)
    assert to_chat(soba_servers.fakes.telegram.calls, chat, "sendChatAction")[0]["action"] == "typing"
    assert decisions(soba_servers, chat) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}]

    post(soba_servers, callback_update(chat, details[0]["callback_data"]))
    folded = wait_for_messages(soba_servers, chat, containing="労働基準法第37条")
    assert "【公務員の方へ】" in str(folded[-1]["text"])
    # Bot API URLs hold the token; none may reach the log.
    assert soba_servers.fakes.telegram.token not in soba_servers.logs[1].read_text(errors="replace")


@e2e
@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TELEGRAM_SECRET + "x"])
def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_processed(
    soba_servers: Servers, secret: str | None
) -> None:
    chat = new_chat()
    update = text_update(chat, "残業代が払われません")

    assert post(soba_servers, update, secret=secret).status_code == 401

    time.sleep(1.0)
    assert to_chat(soba_servers.fakes.telegram.calls, chat, "sendChatAction") == []
    assert to_chat(soba_servers.fakes.telegram.calls, chat) == []
    seen = soba_servers.rows(
        "SELECT event_key FROM channel_inbox WHERE channel = 'telegram' AND event_key = :e", e=str(update["update_id"])
    )
    assert seen == []
    # Not even recorded as seen: the same update with the secret is then handled.
    assert post(soba_servers, update).status_code == 200
    wait_for_messages(soba_servers, chat, containing="割増賃金")


@e2e
def test_a_redelivered_update_is_processed_once(soba_servers: Servers) -> None:
    chat = new_chat()
    update = text_update(chat, "残業代が払われません")

    responses = [post(soba_servers, update) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    wait_for_messages(soba_servers, chat, containing="割増賃金")
    # A later update's reply comes after anything the redeliveries could have caused.
    post(soba_servers, photo_update(chat))
    sent = wait_for_messages(soba_servers, chat, containing=texts("ja", "no_text"))
    assert sum("割増賃金" in str(p.get("text")) for p in sent) == 1
    assert len([d for d in decisions(soba_servers, chat) if d["type"] == "faq_answer"]) == 1


@e2e
@pytest.mark.parametrize("make_update", [photo_update, sticker_update], ids=["photo", "sticker"])
def test_a_photo_or_sticker_gets_the_no_text_reply(soba_servers: Servers, make_update: Any) -> None:
    chat = new_chat()

    assert post(soba_servers, make_update(chat)).status_code == 200

    sent = wait_for_messages(soba_servers, chat, containing=texts("ja", "no_text"))
    assert [p["text"] for p in sent] == [texts("ja", "no_text")]
    assert decisions(soba_servers, chat) == [{"type": "no_text"}]
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"telegram:{chat}") == []


@e2e
def test_a_clarify_question_shows_the_topics_and_a_tap_answers(soba_servers: Servers) -> None:
    text, expected = first_decided(soba_servers, AMBIGUOUS, Outcome.CLARIFY)
    chat = new_chat()
    language = "ja" if has_japanese(text) else "en"

    post(soba_servers, text_update(chat, text, language_code=language))

    question = wait_for_messages(soba_servers, chat, containing=texts(language, "clarify"))[-1]
    buttons = keyboard(question)
    assert [b["callback_data"] for b in buttons[:-1]] == [f'/faq{{"topic":"{t}"}}' for t in expected.topics]
    assert buttons[-1] == {"text": texts(language, "none_of_these"), "callback_data": "/request_human"}
    assert all(len(b) == 1 for b in question["reply_markup"]["inline_keyboard"])  # long titles: a row each

    tap = callback_update(chat, buttons[0]["callback_data"], language_code=language, message_id=777)
    assert post(soba_servers, tap).status_code == 200

    wait_for_messages(soba_servers, chat, count=3, containing=texts(language, "feedback_question"))
    answered = soba_servers.fakes.telegram.sent("answerCallbackQuery")
    assert tap["callback_query"]["id"] in [p["callback_query_id"] for p in answered]
    removed = to_chat(soba_servers.fakes.telegram.calls, chat, "editMessageReplyMarkup")
    assert [(int(p["message_id"]), p.get("reply_markup")) for p in removed] == [(777, None)]
    assert decisions(soba_servers, chat)[-1] == {
        "type": "faq_answer",
        "topic": expected.topics[0],
        "language": language,
    }
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"telegram:{chat}") == []


@e2e
def test_start_greets_and_offers_the_languages(soba_servers: Servers) -> None:
    chat = new_chat()

    post(soba_servers, text_update(chat, "/start", language_code="en"))

    sent = wait_for_messages(soba_servers, chat, count=2, containing=texts("en", "language_menu"))
    assert [p["text"] for p in sent] == [texts("en", "greet"), texts("en", "language_menu")]
    settings = load_settings()
    assert keyboard(sent[-1]) == [
        {"text": lang.name, "callback_data": choose_language_payload(lang.code)} for lang in settings.menu_languages
    ]


@e2e
def test_lang_offers_the_languages_and_a_tap_switches(soba_servers: Servers) -> None:
    chat = new_chat()

    post(soba_servers, text_update(chat, "/lang@soba_test_bot", language_code="ja"))

    menu = wait_for_messages(soba_servers, chat, containing=texts("ja", "language_menu"))[-1]
    english = next(b for b in keyboard(menu) if b["callback_data"] == choose_language_payload("en"))
    post(soba_servers, callback_update(chat, english["callback_data"]))
    wait_for_messages(soba_servers, chat, count=2, containing=texts("en", "language_set"))
    slots = tracker(soba_servers, chat)["slots"]
    assert (slots["language"], slots["language_locked"]) == ("en", True)


@e2e
def test_human_opens_a_ticket(soba_servers: Servers) -> None:
    chat = new_chat()

    post(soba_servers, text_update(chat, "/human"))

    wait_for_messages(soba_servers, chat)
    handoff = decisions(soba_servers, chat)
    assert handoff[-1]["type"] == "handoff"
    rows = soba_servers.rows("SELECT reason, channel FROM tickets WHERE sender_id = :s", s=f"telegram:{chat}")
    assert [(r.reason, r.channel) for r in rows] == [("request_human", "telegram")]


@e2e
def test_a_message_in_a_group_chat_is_ignored(soba_servers: Servers) -> None:
    chat = new_chat()
    update = text_update(chat, "残業代が払われません")
    update["message"]["chat"] = {"id": -chat, "title": "職場のグループ", "type": "group"}

    assert post(soba_servers, update).status_code == 200

    time.sleep(1.5)
    assert not [c for c in soba_servers.fakes.telegram.sent("sendMessage") if int(c["chat_id"]) == -chat]
    assert soba_servers.rows("SELECT sender_id FROM events WHERE sender_id = :s", s=f"telegram:{-chat}") == []


@e2e
def test_a_typed_intent_payload_is_read_as_words_not_obeyed(soba_servers: Servers) -> None:
    chat = new_chat()

    post(soba_servers, text_update(chat, '/choose_language{"language":"en"}'))

    wait_for_messages(soba_servers, chat)
    assert tracker(soba_servers, chat)["slots"]["language_locked"] is not True


@e2e
def test_the_telegram_language_seeds_a_conversation_whose_first_message_cannot_tell(soba_servers: Servers) -> None:
    english, japanese = new_chat(), new_chat()

    post(soba_servers, text_update(english, "🙂", language_code="en-GB"))
    post(soba_servers, text_update(japanese, "残業代が払われません", language_code="en"))

    english_sent = wait_for_messages(soba_servers, english)
    wait_for_messages(soba_servers, japanese, containing="割増賃金")
    assert tracker(soba_servers, english)["slots"]["language"] == "en"
    assert not any(has_japanese(p["text"]) for p in english_sent)
    # What the person writes wins over the app's language.
    assert tracker(soba_servers, japanese)["slots"]["language"] == "ja"


@e2e
def test_a_long_payload_is_sent_as_a_key_that_works_from_the_database(soba_servers: Servers) -> None:
    chat = new_chat()
    long_payload = '/choose_language{"language":"en","from":"the language menu of a long-lived message"}'
    key = shorten(long_payload, MAX_CALLBACK_BYTES, database_url=soba_servers.database_url)
    assert key != long_payload and len(key.encode()) <= MAX_CALLBACK_BYTES

    post(soba_servers, callback_update(chat, key))

    wait_for_messages(soba_servers, chat, containing=texts("en", "language_set"))
    assert expand(key, database_url=soba_servers.database_url) == long_payload


@e2e
def test_a_counselor_reply_is_pushed_to_the_chat_later(soba_servers: Servers) -> None:
    chat = new_chat()
    post(soba_servers, text_update(chat, "/human"))
    wait_for_messages(soba_servers, chat)
    reply = "相談員の田中です。お話を聞かせてください。"

    response = soba_servers.api(
        "POST",
        f"/conversations/telegram:{chat}/tracker/events",
        params={"output_channel": "latest", "execute_side_effects": "true"},
        json=[{"event": "bot", "text": reply}],
    )

    assert response.status_code == 200, response.text
    sent = wait_for_messages(soba_servers, chat, containing=reply)
    assert sent[-1]["text"] == reply


@e2e
def test_an_oversized_body_is_refused(soba_servers: Servers) -> None:
    chat = new_chat()
    limit = load_settings().channels.max_body_bytes
    update = text_update(chat, "残" * (limit // 3 + 10))

    response = post(soba_servers, update)

    assert response.status_code == 413
    time.sleep(0.5)
    assert to_chat(soba_servers.fakes.telegram.calls, chat) == []


@e2e
@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": {"text": "no update_id"}}'])
def test_a_body_that_is_no_update_is_a_bad_request(soba_servers: Servers, body: bytes) -> None:
    assert post(soba_servers, body).status_code == 400


# --- the set-webhook command against the fake Bot API ---------------------------------------


@pytest.fixture
def telegram_env(platform_fakes: PlatformFakes, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlatformFakes]:
    monkeypatch.setenv("SOBA_TELEGRAM_API", platform_fakes.telegram.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", platform_fakes.telegram.token)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", TELEGRAM_SECRET)
    clear_caches()
    yield platform_fakes
    clear_caches()


def test_set_webhook_registers_the_url_secret_updates_and_commands(
    telegram_env: PlatformFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = telegram_env.telegram
    before = len(fake.sent("setMyCommands"))

    assert cli.main(["telegram", "set-webhook", "--url", "https://soba.example.org/"]) == 0

    assert fake.webhook["url"] == "https://soba.example.org/webhooks/telegram/webhook"
    assert fake.webhook["secret_token"] == TELEGRAM_SECRET
    assert fake.webhook["allowed_updates"] == ["message", "callback_query"]
    menus = fake.sent("setMyCommands")[before:]
    assert [m.get("language_code") for m in menus] == [None, *load_settings().language_codes]
    assert all([c["command"] for c in m["commands"]] == ["start", "lang", "human"] for m in menus)
    assert "https://soba.example.org/webhooks/telegram/webhook" in capsys.readouterr().out


@pytest.mark.parametrize("unset", ["TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"])
def test_set_webhook_names_a_missing_secret(
    telegram_env: PlatformFakes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], unset: str
) -> None:
    monkeypatch.delenv(unset)
    calls = len(telegram_env.telegram.calls)

    assert cli.main(["telegram", "set-webhook", "--url", "https://soba.example.org"]) == 2

    assert unset in capsys.readouterr().err
    assert len(telegram_env.telegram.calls) == calls


def test_set_webhook_refuses_a_plain_http_url_and_a_wrong_token(
    telegram_env: PlatformFakes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["telegram", "set-webhook", "--url", "http://soba.example.org"]) == 2
    assert "https" in capsys.readouterr().err

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:not-the-token")
    assert cli.main(["telegram", "set-webhook", "--url", "https://soba.example.org"]) == 2
    assert "Telegram refused" in capsys.readouterr().err


# --- pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/start", "start"), ("/lang@soba_test_bot", "lang"), ("/HUMAN please", "human"), ("/", None), ("hi", None)],
)
def test_commands_are_recognised(text: str, expected: str | None) -> None:
    assert command(text) == expected


@pytest.mark.parametrize(
    ("tag", "hint"), [("en", "en"), ("en-GB", "en"), ("JA", "ja"), ("pt-br", None), ("", None), (None, None)]
)
def test_a_platform_language_tag_becomes_a_supported_language_or_nothing(tag: str | None, hint: str | None) -> None:
    assert language_hint(tag, ("ja", "en")) == hint


def test_long_text_is_split_within_telegram_limits_at_line_breaks() -> None:
    text = "\n".join(f"{i:04d} " + "あ" * 95 for i in range(100))

    chunks = text_chunks(text)

    assert len(chunks) > 1 and all(len(chunk) <= 4096 for chunk in chunks)
    assert "\n".join(chunks) == text


async def test_buttons_fit_telegram_callback_data(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOBA_DATABASE_URL", f"sqlite:///{tmp_path / 'buttons.db'}")
    clear_caches()
    long_payload = '/feedback_negative{"topic":"equal_treatment_nonregular","asked":"after a clarify question"}'
    buttons = [
        {"title": "👍 Helpful", "payload": '/feedback_positive{"topic":"overtime_pay"}'},
        {"title": "👎 Not helpful", "payload": long_payload},
    ]

    markup = await inline_keyboard(buttons)

    assert markup is not None and len(markup.inline_keyboard) == 1  # short titles share a row
    data = [button.callback_data for button in markup.inline_keyboard[0]]
    assert data[0] == buttons[0]["payload"]
    assert len(str(data[1]).encode()) <= MAX_CALLBACK_BYTES and expand(str(data[1])) == long_payload
    clear_caches()
