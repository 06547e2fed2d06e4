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
# The "Details" button's intent (domain.yml); only its payload sends it.
DETAILS_INTENT = "faq_details"


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
    """The first screen of the knowledge-base answer, the law folded behind "Details", and 👍/👎.

    The first screen (what to do now, the deadline, where to go) and the
    closing come first; the law and the rest follow only when the person
    taps "Details" (action_answer_details), so a phone shows what to do first.
    """
    language, texts = turn.language, common.texts()
    first = first_screen(topic, language)
    dispatcher.utter_message(text=first["text"], buttons=[*first["buttons"], *common.language_fix_buttons(turn)])
    dispatcher.utter_message(
        text=texts.get(language, "feedback_question"),
        buttons=[
            {"title": texts.get(language, "feedback_yes"), "payload": feedback_payload("feedback_positive", topic)},
            {"title": texts.get(language, "feedback_no"), "payload": feedback_payload("feedback_negative", topic)},
        ],
    )
    common.decide(dispatcher, "faq_answer", topic=topic, language=language)
    return turn.with_events(SlotSet(LAST_TOPIC_SLOT, topic), SlotSet(REPHRASE_ASKED_SLOT, False))


def first_screen(topic: str, language: str) -> Dict[str, Any]:
    """The answer's first screen and closing, with the "Details" button, as a bot message."""
    parts = common.knowledge()[topic].render_parts(language, common.answer_labels(language))
    return {
        "text": f"{parts.first_screen}\n{parts.closing}",
        "buttons": [{"title": common.texts().get(language, "details_label"), "payload": details_payload(topic)}],
    }


def details_payload(topic: str) -> str:
    """The "Details" button's payload: the folded part of `topic`'s answer."""
    return f"/{DETAILS_INTENT}" + json.dumps({TOPIC_ENTITY: topic}, separators=(",", ":"))


def clarify(dispatcher: CollectingDispatcher, turn: Turn, topics: List[str]) -> List[EventType]:
    """Ask which of the closest topics was meant; a click answers it. No ticket."""
    language = turn.language
    buttons = common.topic_buttons(language, topics)
    buttons.append({"title": common.texts().get(language, "none_of_these"), "payload": "/request_human"})
    buttons += common.language_fix_buttons(turn)
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
    buttons = [*common.topic_buttons(language, suggestions), common.human_button(language)]
    buttons += common.language_fix_buttons(turn)
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

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Answer, ask which topic, ask to rephrase, or hand off."""
        return respond_to_question(dispatcher, common.turn(tracker))


class ActionAnswerDetails(Action):
    """The folded part of an answer: the law, the public-sector note and further pages."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_answer_details"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Send the details of the button's topic (or of the last answer)."""
        turn = common.turn(tracker)
        language = turn.language
        topic = turn.chosen_topic or tracker.get_slot(LAST_TOPIC_SLOT)
        if topic not in common.knowledge():
            return ask_to_rephrase(dispatcher, turn)
        labels = common.answer_labels(language)
        dispatcher.utter_message(text=common.knowledge()[topic].render_details(language, labels))
        common.decide(dispatcher, DETAILS_INTENT, topic=topic, language=language)
        return turn.with_events(SlotSet(LAST_TOPIC_SLOT, topic))
