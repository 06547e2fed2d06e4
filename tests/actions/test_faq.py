"""action_answer_faq: answer from the knowledge base, or hand off when unsure."""

import sqlalchemy as sa

from actions.faq import ActionAnswerFaq
from tests.actions.helpers import all_text, decisions, run_action


def test_confident_japanese_question_gets_the_knowledge_base_answer(action_database: str) -> None:
    messages, events = run_action(ActionAnswerFaq(), "faq_overtime_ja")

    assert decisions(messages) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}]
    text = all_text(messages)
    assert "労働基準法第37条" in text
    assert "https://" in text
    buttons = [button for message in messages for button in message.get("buttons") or []]
    assert [b["payload"] for b in buttons] == [
        '/feedback_positive{"topic":"overtime_pay"}',
        '/feedback_negative{"topic":"overtime_pay"}',
    ]
    assert {"event": "slot", "name": "last_topic", "value": "overtime_pay", "timestamp": None} in events
    assert {"event": "slot", "name": "language", "value": "ja", "timestamp": None} in events


def test_english_question_is_answered_in_english(action_database: str) -> None:
    messages, _ = run_action(ActionAnswerFaq(), "faq_overtime_en")

    assert decisions(messages) == [{"type": "faq_answer", "topic": "overtime_pay", "language": "en"}]
    assert "Labor Standards Act, Art. 37" in all_text(messages)


def test_public_sector_difference_is_part_of_the_answer(action_database: str) -> None:
    messages, _ = run_action(ActionAnswerFaq(), "faq_overtime_ja")

    assert "【公務員の方へ】" in all_text(messages)


def test_topic_button_is_answered_without_the_model(action_database: str) -> None:
    messages, _ = run_action(ActionAnswerFaq(), "topic_button_en")

    assert decisions(messages) == [{"type": "faq_answer", "topic": "paid_leave", "language": "en"}]


def test_uncertain_topic_opens_a_ticket_with_the_closest_topics(action_database: str) -> None:
    messages, _ = run_action(ActionAnswerFaq(), "faq_uncertain_ja")

    [decision] = decisions(messages)
    assert decision["type"] == "handoff" and decision["priority"] == "normal"
    engine = sa.create_engine(action_database)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM tickets")).mappings().one()
    assert str(row["id"]) == decision["ticket"]
    assert row["reason"] == "low_confidence"
    assert row["language"] == "ja"
    guesses = sa.JSON().result_processor(engine.dialect, None)(row["guesses"])
    assert [g["topic"] for g in guesses] == ["where_to_consult", "power_harassment", "work_rules"]
    transcript = sa.JSON().result_processor(engine.dialect, None)(row["transcript"])
    assert [line["text"] for line in transcript] == [
        "こんにちは",
        "こんにちは、Soba（そば）です。",
        "会社のことで困ってる",
    ]
    payloads = [b["payload"] for message in messages for b in message.get("buttons") or []]
    assert payloads == [f'/faq{{"topic":"{t}"}}' for t in ("where_to_consult", "power_harassment", "work_rules")]
