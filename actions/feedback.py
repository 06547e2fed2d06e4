"""Record 👍/👎 on an answer."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from bot.feedback import record_feedback
from bot.turn import LAST_TOPIC_SLOT


class ActionFeedback(Action):
    """Store the person's judgement of the last answer and thank them."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_feedback"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Record feedback about the button's topic (or the last answered one)."""
        turn = common.turn(tracker)
        language = turn.language
        helpful = turn.intent == "feedback_positive"
        topic = turn.chosen_topic or tracker.get_slot(LAST_TOPIC_SLOT)
        with common.db_session() as session:
            record_feedback(session, turn.sender_id, topic, helpful, language)
        texts = common.texts()
        if helpful:
            dispatcher.utter_message(text=texts.get(language, "feedback_positive"))
        else:
            dispatcher.utter_message(
                text=texts.get(language, "feedback_negative"),
                buttons=[common.human_button(language)],
            )
        common.decide(dispatcher, "feedback_positive" if helpful else "feedback_negative")
        return turn.with_events()
