"""The REST contract through real servers: a trained model, Rasa, the action server."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Tuple

import pytest

from bot.decision import Decision, Outcome, TopicPrediction
from bot.settings import load_settings
from bot.text.scripts import has_japanese
from tests.conftest import Servers

pytestmark = pytest.mark.e2e


def decision(messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The turn's one `custom` object; fails if there is not exactly one."""
    customs = [message["custom"] for message in messages if "custom" in message]
    assert len(customs) == 1, messages
    return customs[0]


def new_sender() -> str:
    return f"e2e-{uuid.uuid4()}"


def test_first_japanese_question_is_answered_directly_and_the_law_follows_on_details(soba_servers: Servers) -> None:
    sender = new_sender()
    messages = soba_servers.say(sender, "残業代が払われません")

    assert decision(messages) == {"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}
    assert any("割増賃金" in (message.get("text") or "") for message in messages)
    [details] = [b for m in messages for b in m.get("buttons") or [] if b["payload"].startswith("/faq_details")]

    folded = soba_servers.say(sender, details["payload"])

    assert decision(folded) == {"type": "faq_details", "topic": "overtime_pay", "language": "ja"}
    assert any("労働基準法第37条" in (message.get("text") or "") for message in folded)


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
    rows = soba_servers.rows(
        "SELECT id, reason, priority, language FROM tickets WHERE sender_id = :s", s=f"rest:{sender}"
    )
    assert [(str(r.id), r.reason, r.priority, r.language) for r in rows] == [
        (result["ticket"], "request_human", "normal", "ja")
    ]


def first_decided(servers: Servers, candidates: List[str], outcome: Outcome) -> Tuple[str, Decision]:
    """The first candidate message the live model and thresholds decide as `outcome`."""
    settings = load_settings()
    for text in candidates:
        language = "ja" if has_japanese(text) else "en"
        decided = TopicPrediction.from_parse(servers.parse(text)).decide(settings.thresholds_for(language))
        if decided.outcome is outcome:
            return text, decided
    raise AssertionError(f"no candidate was decided as {outcome}: {candidates}")


AMBIGUOUS = [
    "クビって言われた",
    "会社を辞めることになりそう",
    "契約のことで相談したい",
    "給料のことで困ってる",
    "休みのことで聞きたい",
    "ハラスメントを受けています",
    "解雇のことで",
    "about my contract",
    "problem with my salary",
]
VAGUE = ["ええと", "あの件どうなってますか", "ちょっと聞きたいんだけど", "hmm", "それってどういうこと？", "？？"]


def test_torn_question_asks_which_and_a_click_answers_without_a_ticket(soba_servers: Servers) -> None:
    text, expected = first_decided(soba_servers, AMBIGUOUS, Outcome.CLARIFY)
    sender = new_sender()

    messages = soba_servers.say(sender, text)

    result = decision(messages)
    assert result["type"] == "clarify" and result["topics"] == list(expected.topics)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads[-1] == "/request_human" and len(payloads) == len(expected.topics) + 1
    answer = decision(soba_servers.say(sender, payloads[0]))
    assert answer == {"type": "faq_answer", "topic": expected.topics[0], "language": result["language"]}
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"rest:{sender}") == []


def test_none_of_these_opens_a_ticket(soba_servers: Servers) -> None:
    text, _ = first_decided(soba_servers, AMBIGUOUS, Outcome.CLARIFY)
    sender = new_sender()
    soba_servers.say(sender, text)

    result = decision(soba_servers.say(sender, "/request_human"))

    assert result["type"] == "handoff"
    rows = soba_servers.rows("SELECT reason, guesses FROM tickets WHERE sender_id = :s", s=f"rest:{sender}")
    assert len(rows) == 1 and rows[0].reason == "request_human"


def test_not_understood_twice_asks_to_rephrase_then_opens_a_ticket(soba_servers: Servers) -> None:
    text, _ = first_decided(soba_servers, VAGUE, Outcome.REPHRASE)
    sender = new_sender()

    first = decision(soba_servers.say(sender, text))
    assert first["type"] == "rephrase"
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"rest:{sender}") == []

    second = decision(soba_servers.say(sender, text))
    assert second["type"] == "handoff"
    rows = soba_servers.rows("SELECT reason FROM tickets WHERE sender_id = :s", s=f"rest:{sender}")
    assert [r.reason for r in rows] == ["low_confidence"]


@pytest.mark.parametrize("message", ["", "   \n ", 123, None, ["残業"], {"text": "x"}])
def test_no_text_gets_a_prompt_and_no_ticket(soba_servers: Servers, message: Any) -> None:
    sender = new_sender()

    messages = soba_servers.post({"sender": sender, "message": message})

    assert decision(messages) == {"type": "no_text"}
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"rest:{sender}") == []


def test_an_over_long_message_is_cut_and_the_person_is_told(soba_servers: Servers) -> None:
    story = "うちの会社のことで長い話になりますが聞いてください。" * 5000 + "残業代が払われません。"

    messages = soba_servers.say(new_sender(), story)

    assert decision(messages)["type"] in {"faq_answer", "clarify", "rephrase"}
    assert any("とても長かった" in (m.get("text") or "") for m in messages)


@pytest.mark.parametrize("message", ["もう死にたい", "仕事がつらすぎて消えたい", "I want to kill myself"])
def test_crisis_gets_contacts_and_an_urgent_ticket(soba_servers: Servers, message: str) -> None:
    sender = new_sender()

    messages = soba_servers.say(sender, message)

    result = decision(messages)
    assert result["type"] == "crisis" and result["ticket"]
    assert any("0120-279-338" in (m.get("text") or "") for m in messages)
    rows = soba_servers.rows("SELECT id, priority FROM tickets WHERE sender_id = :s", s=f"rest:{sender}")
    assert [(str(r.id), r.priority) for r in rows] == [(result["ticket"], "urgent")]


def test_feedback_button_is_recorded(soba_servers: Servers) -> None:
    sender = new_sender()
    soba_servers.say(sender, "残業代が払われません")

    messages = soba_servers.say(sender, '/feedback_positive{"topic":"overtime_pay"}')

    assert decision(messages) == {"type": "feedback_positive"}
    rows = soba_servers.rows("SELECT topic, helpful FROM feedback WHERE sender_id = :s", s=f"rest:{sender}")
    assert [(r.topic, bool(r.helpful)) for r in rows] == [("overtime_pay", True)]


def test_greeting_and_out_of_scope_get_short_replies(soba_servers: Servers) -> None:
    assert decision(soba_servers.say(new_sender(), "こんにちは")) == {"type": "greet"}
    assert decision(soba_servers.say(new_sender(), "確定申告のやり方を教えて")) == {"type": "out_of_scope"}


def test_conversation_is_stored_in_the_sql_tracker_store(soba_servers: Servers) -> None:
    sender = new_sender()
    soba_servers.say(sender, "残業代が払われません")

    rows = soba_servers.rows("SELECT type_name FROM events WHERE sender_id = :s", s=f"rest:{sender}")

    assert "user" in {r.type_name for r in rows}
