"""Answer a FAQ topic from the knowledge base, or hand off when unsure."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.handoff import hand_off
from bot.handoff.models import Reason


def feedback_payload(intent: str, topic: str) -> str:
    """A button payload that records feedback about `topic`."""
    return f"/{intent}" + json.dumps({common.TOPIC_ENTITY: topic}, separators=(",", ":"))


class ActionAnswerFaq(Action):
    """Answer the topic the ResponseSelector chose, in the conversation's language."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Answer with the law, a link and 👍/👎, or hand off below the threshold.

        A topic button (payload `/faq{"topic": ...}`) names the topic itself and
        is answered without consulting the model.
        """
        chosen = common.latest_entity(tracker, common.TOPIC_ENTITY)
        base = common.knowledge()
        if chosen in base:
            topic, confidence = chosen, 1.0
        else:
            topic, confidence = common.faq_prediction(tracker)
        if topic not in base or confidence < common.settings().faq_answer_threshold:
            return hand_off(dispatcher, tracker, Reason.LOW_CONFIDENCE)

        language, events = common.conversation_language(tracker)
        texts = common.texts()
        answer = base[topic].render(
            language,
            law_label=texts.get(language, "law_label"),
            link_label=texts.get(language, "link_label"),
            public_sector_label=texts.get(language, "public_sector_label"),
        )
        dispatcher.utter_message(text=answer)
        dispatcher.utter_message(
            text=texts.get(language, "feedback_question"),
            buttons=[
                {"title": texts.get(language, "feedback_yes"), "payload": feedback_payload("feedback_positive", topic)},
                {"title": texts.get(language, "feedback_no"), "payload": feedback_payload("feedback_negative", topic)},
            ],
        )
        common.decide(dispatcher, "faq_answer", topic=topic, language=language)
        return [*events, SlotSet(common.LAST_TOPIC_SLOT, topic)]
