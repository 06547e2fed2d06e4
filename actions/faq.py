"""Answer a question: the topic itself, "is it about …?", or "say it another way"."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.ticketing import hand_off
from bot.decision import Outcome
from bot.handoff.models import Reason
from bot.knowledge.search import search
from bot.turn import LAST_TOPIC_SLOT, REPHRASE_ASKED_SLOT, TOPIC_ENTITY, Turn

# How many keyword-search suggestions a "say it another way" reply offers.
SUGGESTIONS = 3


def feedback_payload(intent: str, topic: str) -> str:
    """A button payload that records feedback about `topic`."""
    return f"/{intent}" + json.dumps({TOPIC_ENTITY: topic}, separators=(",", ":"))


def respond_to_question(dispatcher: CollectingDispatcher, turn: Turn) -> List[EventType]:
    """What the person gets for a question (bot/decision.py decides).

    A topic button names its topic and is answered without the model. A
    message Soba cannot place gets one "say it another way"; the second in a
    row becomes a ticket.
    """
    if turn.truncated:
        dispatcher.utter_message(text=common.texts().get(turn.language, "truncated"))
    if turn.chosen_topic in common.knowledge():
        return answer(dispatcher, turn, turn.chosen_topic)
    decision = turn.decision
    if decision.outcome is Outcome.ANSWER:
        return answer(dispatcher, turn, decision.topics[0])
    if decision.outcome is Outcome.CLARIFY:
        return clarify(dispatcher, turn, list(decision.topics))
    if turn.rephrase_asked:
        return hand_off(dispatcher, turn, Reason.LOW_CONFIDENCE)
    return ask_to_rephrase(dispatcher, turn)


def answer(dispatcher: CollectingDispatcher, turn: Turn, topic: str) -> List[EventType]:
    """The knowledge-base answer with its law, deadline, link and 👍/👎.

    For now every channel gets the whole answer as one text (first screen,
    details, closing). A channel that can fold text should send
    `parts.first_screen` and `parts.closing` with `parts.details` behind a
    "Details" button (texts key `details_label`).
    """
    language, texts = turn.language, common.texts()
    parts = common.knowledge()[topic].render_parts(language, common.answer_labels(language))
    dispatcher.utter_message(text=parts.full)
    dispatcher.utter_message(
        text=texts.get(language, "feedback_question"),
        buttons=[
            {"title": texts.get(language, "feedback_yes"), "payload": feedback_payload("feedback_positive", topic)},
            {"title": texts.get(language, "feedback_no"), "payload": feedback_payload("feedback_negative", topic)},
        ],
    )
    common.decide(dispatcher, "faq_answer", topic=topic, language=language)
    return turn.with_events(SlotSet(LAST_TOPIC_SLOT, topic), SlotSet(REPHRASE_ASKED_SLOT, False))


def clarify(dispatcher: CollectingDispatcher, turn: Turn, topics: List[str]) -> List[EventType]:
    """Ask which of the closest topics was meant; a click answers it. No ticket."""
    language = turn.language
    buttons = common.topic_buttons(language, topics)
    buttons.append({"title": common.texts().get(language, "none_of_these"), "payload": "/request_human"})
    dispatcher.utter_message(text=common.texts().get(language, "clarify"), buttons=buttons)
    common.decide(dispatcher, "clarify", topics=topics, language=language)
    return turn.with_events(SlotSet(REPHRASE_ASKED_SLOT, False))


def ask_to_rephrase(dispatcher: CollectingDispatcher, turn: Turn) -> List[EventType]:
    """Ask once to say it another way, with examples of what Soba answers.

    Up to SUGGESTIONS topics found by keyword search for the message come as
    buttons that answer them, as clarify's do: the words may name a topic the
    model could not place.
    """
    language = turn.language
    suggestions = [hit.topic for hit in search(turn.text, language, SUGGESTIONS)] if _is_typed(turn.text) else []
    buttons = common.topic_buttons(language, suggestions) + [common.human_button(language)]
    dispatcher.utter_message(text=common.texts().get(language, "rephrase"), buttons=buttons)
    common.decide(dispatcher, "rephrase", language=language)
    return turn.with_events(SlotSet(REPHRASE_ASKED_SLOT, True))


def _is_typed(text: str) -> bool:
    """Typed text, not a button payload such as /faq{...}."""
    return bool(text.strip()) and not text.startswith("/")


class ActionAnswerFaq(Action):
    """Respond to a question about rights at work."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Answer, ask which topic, ask to rephrase, or hand off."""
        return respond_to_question(dispatcher, common.turn(tracker))
