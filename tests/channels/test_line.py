"""LINE through the real Rasa server: signed webhooks as LINE sends them, the fake LINE API records replies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Dict, List

import pytest
import requests

from bot import cli
from bot.channels.line import LANGUAGE_MENU_PAYLOAD
from bot.channels.line_messages import to_line_messages
from bot.decision import Outcome
from bot.languages import choose_language_payload
from bot.settings import load_settings
from bot.texts import get_texts
from tests.conftest import LINE_SECRET, PlatformFakes, Servers, clear_caches
from tests.fakes.recording_api import Call
from tests.test_end_to_end import AMBIGUOUS, first_decided

pytestmark = pytest.mark.e2e


def new_user() -> str:
    return "U" + uuid.uuid4().hex


def event(user: str, kind: str = "message", **fields: Any) -> Dict[str, Any]:
    """One webhook event, shaped as LINE's Messaging API sends it."""
    body: Dict[str, Any] = {
        "type": kind,
        "webhookEventId": "01" + uuid.uuid4().hex[:24].upper(),
        "deliveryContext": {"isRedelivery": False},
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "replyToken": uuid.uuid4().hex,
        "mode": "active",
    }
    body.update(fields)
    return body


def text_event(user: str, text: str) -> Dict[str, Any]:
    return event(user, message={"type": "text", "id": str(uuid.uuid4().int)[:18], "quoteToken": "q", "text": text})


def signed(body: Dict[str, Any], secret: str = LINE_SECRET) -> tuple[bytes, str]:
    raw = json.dumps({"destination": "U" + "0" * 32, "events": [body] if "type" in body else body["events"]}).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return raw, base64.b64encode(digest).decode()


def post(servers: Servers, body: Dict[str, Any], signature: str | None = "sign") -> requests.Response:
    """POST the webhook; `signature` "sign" signs it correctly, None sends no header."""
    payload, good = signed(body)
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Line-Signature"] = good
    elif signature is not None:
        headers["X-Line-Signature"] = signature
    return requests.post(f"{servers.rasa_url}/webhooks/line/webhook", data=payload, headers=headers, timeout=30)


def sent_to(servers: Servers, user: str, reply_token: str | None = None, count: int = 1) -> List[Dict[str, Any]]:
    """The messages LINE was asked to deliver to `user` (reply with the token, or push), once `count` calls came."""

    def mine(calls: List[Call]) -> List[Call]:
        return [
            c
            for c in calls
            if c.method == "POST"
            and (
                (c.path == "/v2/bot/message/reply" and reply_token and c.json.get("replyToken") == reply_token)
                or (c.path == "/v2/bot/message/push" and c.json.get("to") == user)
            )
        ]

    calls = mine(servers.fakes.line.wait_for(lambda calls: len(mine(calls)) >= count))
    return [message for call in calls for message in call.json["messages"]]


def texts_of(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def quick_replies(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [item["action"] for m in messages for item in (m.get("quickReply") or {}).get("items", [])]


def flex_buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The postback actions of Flex bubbles (a list of choices longer than a quick reply holds)."""
    return [
        part["action"]
        for m in messages
        if m.get("type") == "flex"
        for part in m["contents"]["body"]["contents"]
        if part.get("type") == "button"
    ]


def test_a_question_is_answered_with_the_reply_token_details_and_feedback_quick_replies(
    soba_servers: Servers,
) -> None:
    user = new_user()
    body = text_event(user, "残業代が払われません")

    assert post(soba_servers, body).status_code == 200

    messages = sent_to(soba_servers, user, body["replyToken"])
    assert "割増賃金" in texts_of(messages) and "⏳" in texts_of(messages)
    assert "労働基準法第37条" not in texts_of(messages)  # the law is folded behind 詳しく
    assert not any("custom" in json.dumps(m) for m in messages)
    actions = quick_replies(messages)
    assert [a["type"] for a in actions] == ["postback", "postback", "postback"]
    assert [a["label"] for a in actions][0] == "詳しく"
    assert actions[1]["data"].startswith("/feedback_positive")
    loading = soba_servers.fakes.line.calls_to("/v2/bot/chat/loading/start", chatId=user)
    assert loading and loading[0].json["loadingSeconds"] > 0

    tap = event(user, "postback", postback={"data": actions[0]["data"]})
    assert post(soba_servers, tap).status_code == 200

    details = texts_of(sent_to(soba_servers, user, tap["replyToken"]))
    assert "労働基準法第37条" in details and "【公務員の方へ】" in details


@pytest.mark.parametrize("signature", [None, "AAAA", "forged"])
def test_a_missing_or_forged_signature_is_refused_and_nothing_is_processed(
    soba_servers: Servers, signature: str | None
) -> None:
    user = new_user()
    body = text_event(user, "残業代が払われません")
    forged = signed(body, secret="not-the-secret")[1] if signature == "forged" else signature

    assert post(soba_servers, body, signature=forged).status_code == 401

    time.sleep(1.0)
    assert not soba_servers.fakes.line.calls_to("/v2/bot/chat/loading/start", chatId=user)
    assert not soba_servers.fakes.line.calls_to("/v2/bot/message/push", to=user)
    assert not soba_servers.fakes.line.calls_to("/v2/bot/message/reply", replyToken=body["replyToken"])


def test_a_redelivered_event_is_processed_once(soba_servers: Servers) -> None:
    user = new_user()
    body = text_event(user, "有給休暇を使わせてもらえません")
    redelivery = dict(body, deliveryContext={"isRedelivery": True}, replyToken=uuid.uuid4().hex)

    assert post(soba_servers, body).status_code == 200
    sent_to(soba_servers, user, body["replyToken"])
    assert post(soba_servers, redelivery).status_code == 200

    time.sleep(1.5)
    line = soba_servers.fakes.line
    assert len(line.calls_to("/v2/bot/chat/loading/start", chatId=user)) == 1
    assert not line.calls_to("/v2/bot/message/reply", replyToken=redelivery["replyToken"])
    assert not line.calls_to("/v2/bot/message/push", to=user)


def test_an_expired_reply_token_falls_back_to_push(soba_servers: Servers) -> None:
    user = new_user()
    body = text_event(user, "残業代が払われません")
    soba_servers.fakes.line.expired_reply_tokens.add(body["replyToken"])

    post(soba_servers, body)

    pushed = sent_to(soba_servers, user)
    assert "割増賃金" in texts_of(pushed)


def test_a_sticker_gets_the_no_text_reply(soba_servers: Servers) -> None:
    user = new_user()
    sticker = {"type": "sticker", "id": "1", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"}
    body = event(user, message=sticker)

    post(soba_servers, body)

    messages = sent_to(soba_servers, user, body["replyToken"])
    assert get_texts().get("ja", "no_text") in texts_of(messages)
    rows = soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"line:{user}")
    assert rows == []


def test_follow_gets_a_welcome_in_the_profile_language_with_a_language_menu(soba_servers: Servers) -> None:
    user = new_user()
    soba_servers.fakes.line.profiles[user] = {"language": "en"}
    body = event(user, "follow")

    post(soba_servers, body)

    messages = sent_to(soba_servers, user, body["replyToken"])
    assert "Soba" in texts_of(messages) and "Hello" in texts_of(messages)
    payloads = [a["data"] for a in flex_buttons(messages)]
    assert payloads == [choose_language_payload(lang.code) for lang in load_settings().menu_languages]


def test_a_language_postback_switches_the_conversation(soba_servers: Servers) -> None:
    user = new_user()
    body = event(user, "postback", postback={"data": choose_language_payload("en")})

    post(soba_servers, body)

    assert "English" in texts_of(sent_to(soba_servers, user, body["replyToken"]))


def test_clarify_buttons_become_quick_replies_and_a_tap_answers(soba_servers: Servers) -> None:
    text, expected = first_decided(soba_servers, AMBIGUOUS, Outcome.CLARIFY)
    user = new_user()
    question = text_event(user, text)

    post(soba_servers, question)
    actions = quick_replies(sent_to(soba_servers, user, question["replyToken"]))

    assert len(actions) == len(expected.topics) + 1 and actions[-1]["data"] == "/request_human"
    assert all(len(a["label"]) <= 20 and a["displayText"] for a in actions)
    tap = event(user, "postback", postback={"data": actions[0]["data"]})
    post(soba_servers, tap)
    answer = sent_to(soba_servers, user, tap["replyToken"])
    assert "⏳" in texts_of(answer) and "📍" in texts_of(answer)  # the deadline and where to go
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"line:{user}") == []


def test_a_later_message_from_the_server_is_pushed(soba_servers: Servers) -> None:
    user = new_user()
    body = text_event(user, "残業代が払われません")
    post(soba_servers, body)
    sent_to(soba_servers, user, body["replyToken"])

    response = soba_servers.api(
        "POST",
        f"/conversations/line:{user}/tracker/events",
        params={"output_channel": "latest", "execute_side_effects": "true"},
        json=[{"event": "bot", "text": "相談員の田中です。ご連絡ありがとうございます。"}],
    )

    assert response.status_code == 200, response.text
    assert "相談員の田中です" in texts_of(sent_to(soba_servers, user))


def test_an_oversized_body_is_refused_on_every_channel_route(soba_servers: Servers) -> None:
    user = new_user()
    body = text_event(user, "あ" * 400_000)

    assert post(soba_servers, body).status_code == 413
    rest = requests.post(
        f"{soba_servers.rasa_url}/webhooks/rest/webhook", json={"sender": user, "message": "あ" * 400_000}, timeout=30
    )
    assert rest.status_code == 413


def test_the_tracker_api_needs_the_token(soba_servers: Servers) -> None:
    user = new_user()
    post(soba_servers, text_event(user, "残業代が払われません"))

    refused = requests.get(f"{soba_servers.rasa_url}/conversations/line:{user}/tracker", timeout=30)

    assert refused.status_code == 401
    assert soba_servers.api("GET", f"/conversations/line:{user}/tracker").status_code == 200


def test_line_messages_respect_line_limits() -> None:
    buttons = [{"title": f"とても長いテーマの名前その{i}です", "payload": f"/faq{i}"} for i in range(13)]

    rasa_messages = [{"text": "x" * 6000}, {"text": "どれですか", "buttons": buttons}]

    messages = [m.as_json_dict() for m in to_line_messages(rasa_messages)]

    assert len(messages[0]["text"]) == 5000
    items = messages[-1]["quickReply"]["items"]
    assert len(items) == 13 and all(len(i["action"]["label"]) <= 20 for i in items)
    assert "quickReply" not in messages[0]


def test_more_choices_than_a_quick_reply_holds_become_one_bubble_with_every_choice() -> None:
    buttons = [{"title": f"とても長いテーマの名前その{i}です", "payload": f"/faq{i}"} for i in range(20)]

    messages = [m.as_json_dict() for m in to_line_messages([{"text": "どれですか", "buttons": buttons}])]

    assert messages[0]["text"] == "どれですか" and "quickReply" not in messages[0]
    actions = flex_buttons(messages)
    assert [a["data"] for a in actions] == [f"/faq{i}" for i in range(20)]
    assert all(len(a["label"]) <= 20 for a in actions) and messages[1]["altText"] == "どれですか"


def test_the_rich_menu_command_registers_the_menu_as_default(
    platform_fakes: PlatformFakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = platform_fakes.line
    for key, value in platform_fakes.env().items():
        monkeypatch.setenv(key, value)
    clear_caches()
    try:
        assert cli.main(["line", "rich-menu", "--faq-url", "https://soba.example.org/faq/ja/"]) == 0
        assert cli.main(["line", "rich-menu", "--faq-url", "https://soba.example.org/faq/ja/"]) == 0
        assert cli.main(["line", "rich-menu", "--faq-url", "http://insecure.example.org/"]) == 2
    finally:
        clear_caches()

    assert list(line.rich_menus) == [line.default_rich_menu]  # the second run replaced the first
    menu = line.rich_menus[line.default_rich_menu]
    actions = [area["action"] for area in menu["areas"]]
    assert [a.get("data") for a in actions[:2]] == [LANGUAGE_MENU_PAYLOAD, "/request_human"]
    assert actions[2] == {"type": "uri", "label": actions[2]["label"], "uri": "https://soba.example.org/faq/ja/"}
    uploads = line.calls_to(f"/v2/bot/richmenu/{line.default_rich_menu}/content")
    assert uploads and uploads[0].body.startswith(b"\x89PNG")


def test_the_language_area_of_the_rich_menu_shows_the_language_menu(soba_servers: Servers) -> None:
    user = new_user()
    body = event(user, "postback", postback={"data": LANGUAGE_MENU_PAYLOAD})

    post(soba_servers, body)

    messages = sent_to(soba_servers, user, body["replyToken"])
    # Fourteen languages are more than a quick reply's 13 items: one Flex bubble lists them all.
    payloads = [a["data"] for a in flex_buttons(messages)]
    assert payloads == [choose_language_payload(lang.code) for lang in load_settings().menu_languages]
    assert all(len(a["label"]) <= 20 for a in flex_buttons(messages))
