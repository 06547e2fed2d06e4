"""Small talk, feedback and language choice."""

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


def test_a_locked_language_wins_over_the_script_of_the_message(action_database: str) -> None:
    messages, _ = run_action(ActionReply(), "english_locked_ja_text")

    assert all_text(messages).startswith("You're welcome")
