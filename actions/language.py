"""Switch the conversation's language when the person asks."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.faq import first_screen
from bot.languages import chosen_language
from bot.turn import LANGUAGE_LOCKED_SLOT, LANGUAGE_SLOT


class ActionChooseLanguage(Action):
    """Lock the conversation to the language the person named."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_choose_language"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Set and lock the language, or list the available ones."""
        turn = common.turn(tracker)
        chosen = chosen_language(turn.text, common.settings().menu_languages)
        texts = common.texts()
        if chosen is None:
            dispatcher.utter_message(text=texts.get(turn.language, "language_unavailable"))
            common.decide(dispatcher, "choose_language", language=turn.language)
            return turn.with_events()
        dispatcher.utter_message(text=texts.get(chosen, "language_set"))
        topic = just_answered(tracker)
        if topic in common.knowledge():
            # The fix of a wrong detection: the answer the person just got, again in their language.
            dispatcher.utter_message(**first_screen(topic, chosen))
        common.decide(dispatcher, "choose_language", language=chosen)
        return [SlotSet(LANGUAGE_SLOT, chosen), SlotSet(LANGUAGE_LOCKED_SLOT, True)]


def just_answered(tracker: Tracker) -> str | None:
    """The topic Soba answered in reply to the person's previous message, if it answered one."""
    seen_latest_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_message:
                return None
            seen_latest_message = True
        elif seen_latest_message and event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get("type") == "faq_answer":
                return custom.get("topic")
    return None
