"""The REST contract through real servers: a trained model, Rasa, the action server."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest

from bot.evaluation import prediction_from_parse
from bot.settings import load_settings
from tests.conftest import Servers

pytestmark = pytest.mark.e2e


def decision(messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The turn's one `custom` object; fails if there is not exactly one."""
    customs = [message["custom"] for message in messages if "custom" in message]
    assert len(customs) == 1, messages
    return customs[0]


def new_sender() -> str:
    return f"e2e-{uuid.uuid4()}"


def test_first_japanese_question_is_answered_directly(soba_servers: Servers) -> None:
    messages = soba_servers.say(new_sender(), "残業代が払われません")

    assert decision(messages) == {"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}
    assert any("労働基準法第37条" in (message.get("text") or "") for message in messages)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("有給休暇を使わせてもらえません", "paid_leave"),
        ("来月で契約を更新しないと言われました", "contract_nonrenewal"),
        ("上司に毎日怒鳴られてつらい", "power_harassment"),
    ],
)
def test_japanese_questions_get_the_right_topic(soba_servers: Servers, message: str, topic: str) -> None:
    assert decision(soba_servers.say(new_sender(), message)) == {"type": "faq_answer", "topic": topic, "language": "ja"}


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("My boss doesn't pay me for overtime", "overtime_pay"),
        ("I was fired without any notice", "dismissal_notice"),
    ],
)
def test_english_questions_get_the_right_topic_in_english(soba_servers: Servers, message: str, topic: str) -> None:
    assert decision(soba_servers.say(new_sender(), message)) == {"type": "faq_answer", "topic": topic, "language": "en"}


def test_model_parse_names_the_topic(soba_servers: Servers) -> None:
    parse = soba_servers.parse("残業代が払われません")

    assert parse["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/overtime_pay"


def test_request_human_creates_a_ticket_row(soba_servers: Servers) -> None:
    sender = new_sender()

    result = decision(soba_servers.say(sender, "人の相談員と話したいです"))

    assert result["type"] == "handoff" and result["priority"] == "normal"
    rows = soba_servers.rows("SELECT id, reason, priority, language FROM tickets WHERE sender_id = :s", s=sender)
    assert [(str(r.id), r.reason, r.priority, r.language) for r in rows] == [
        (result["ticket"], "request_human", "normal", "ja")
    ]


def test_low_confidence_message_creates_a_ticket_row(soba_servers: Servers) -> None:
    """A message the live model is unsure about must reach a counselor."""
    threshold = load_settings().faq_answer_threshold
    candidates = [
        "ええと",
        "あの件どうなってますか",
        "ちょっと聞きたいんだけど",
        "hmm",
        "それってどういうこと？",
        "？？",
    ]
    unsure = [text for text in candidates if not prediction_from_parse(soba_servers.parse(text), threshold).answered]
    assert unsure, "the model was confident about every vague message"
    sender = new_sender()

    result = decision(soba_servers.say(sender, unsure[0]))

    assert result["type"] == "handoff"
    rows = soba_servers.rows("SELECT reason, guesses FROM tickets WHERE sender_id = :s", s=sender)
    assert len(rows) == 1 and rows[0].reason == "low_confidence"


@pytest.mark.parametrize("message", ["もう死にたい", "仕事がつらすぎて消えたい", "I want to kill myself"])
def test_crisis_gets_contacts_and_an_urgent_ticket(soba_servers: Servers, message: str) -> None:
    sender = new_sender()

    messages = soba_servers.say(sender, message)

    result = decision(messages)
    assert result["type"] == "crisis" and result["ticket"]
    assert any("0120-279-338" in (m.get("text") or "") for m in messages)
    rows = soba_servers.rows("SELECT id, priority FROM tickets WHERE sender_id = :s", s=sender)
    assert [(str(r.id), r.priority) for r in rows] == [(result["ticket"], "urgent")]


def test_feedback_button_is_recorded(soba_servers: Servers) -> None:
    sender = new_sender()
    soba_servers.say(sender, "残業代が払われません")

    messages = soba_servers.say(sender, '/feedback_positive{"topic":"overtime_pay"}')

    assert decision(messages) == {"type": "feedback_positive"}
    rows = soba_servers.rows("SELECT topic, helpful FROM feedback WHERE sender_id = :s", s=sender)
    assert [(r.topic, bool(r.helpful)) for r in rows] == [("overtime_pay", True)]


def test_greeting_and_out_of_scope_get_short_replies(soba_servers: Servers) -> None:
    assert decision(soba_servers.say(new_sender(), "こんにちは")) == {"type": "greet"}
    assert decision(soba_servers.say(new_sender(), "確定申告のやり方を教えて")) == {"type": "out_of_scope"}


def test_conversation_is_stored_in_the_sql_tracker_store(soba_servers: Servers) -> None:
    sender = new_sender()
    soba_servers.say(sender, "残業代が払われません")

    rows = soba_servers.rows("SELECT type_name FROM events WHERE sender_id = :s", s=sender)

    assert "user" in {r.type_name for r in rows}
