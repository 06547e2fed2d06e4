"""Small talk, feedback and language choice."""

from typing import Any, Dict

import sqlalchemy as sa

from actions.feedback import ActionFeedback
from actions.language import ActionChooseLanguage
from actions.replies import ActionReply
from tests.actions.helpers import all_text, decisions, run_action


def test_greeting_says_what_soba_can_help_with(action_database: str) -> None:
    messages, _ = run_action(ActionReply(), "greet_en")

    assert decisions(messages) == [{"type": "greet"}]
    assert "overtime pay" in all_text(messages)


def test_negative_feedback_is_recorded_with_its_topic(action_database: str) -> None:
    messages, _ = run_action(ActionFeedback(), "feedback_negative_ja")

    assert decisions(messages) == [{"type": "feedback_negative"}]
    engine = sa.create_engine(action_database)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM feedback")).mappings().one()
    assert (row["topic"], bool(row["helpful"]), row["language"]) == ("overtime_pay", False, "ja")
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ["/request_human"]


def test_choosing_english_locks_the_language(action_database: str) -> None:
    messages, events = run_action(ActionChooseLanguage(), "choose_language_en")

    assert decisions(messages) == [{"type": "choose_language", "language": "en"}]
    assert "English" in all_text(messages)
    assert {"event": "slot", "name": "language_locked", "value": True, "timestamp": None} in events


def test_fixing_the_language_in_one_tap_gives_the_answer_again_in_that_language(action_database: str) -> None:
    def after_an_answer_in_japanese(state: Dict[str, Any]) -> None:
        events = state["events"]
        question = {"event": "user", "timestamp": 1764100001.0, "text": "残業代", "parse_data": {}}
        answered = {"type": "faq_answer", "topic": "overtime_pay", "language": "ja"}
        bot = {"event": "bot", "timestamp": 1764100002.0, "text": None, "data": {"custom": answered}}
        events[-1:-1] = [question, bot]
        state["latest_message"]["text"] = '/choose_language{"language":"en"}'

    messages, _ = run_action(ActionChooseLanguage(), "choose_language_en", after_an_answer_in_japanese)

    assert decisions(messages) == [{"type": "choose_language", "language": "en"}]
    assert "must be paid extra" in all_text(messages)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ['/faq_details{"topic":"overtime_pay"}']


def test_choosing_a_language_out_of_the_blue_repeats_nothing(action_database: str) -> None:
    messages, _ = run_action(ActionChooseLanguage(), "choose_language_en")

    assert "must be paid extra" not in all_text(messages)


def test_a_locked_language_wins_over_the_script_of_the_message(action_database: str) -> None:
    messages, _ = run_action(ActionReply(), "english_locked_ja_text")

    assert all_text(messages).startswith("You're welcome")
