"""Switch the conversation's language when the person asks."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from bot.languages import chosen_language
from bot.turn import LANGUAGE_LOCKED_SLOT, LANGUAGE_SLOT


class ActionChooseLanguage(Action):
    """Lock the conversation to the language the person named."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_choose_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Set and lock the language, or list the available ones."""
        turn = common.turn(tracker)
        chosen = chosen_language(turn.text, common.settings().languages)
        texts = common.texts()
        if chosen is None:
            dispatcher.utter_message(text=texts.get(turn.language, "language_unavailable"))
            common.decide(dispatcher, "choose_language", language=turn.language)
            return turn.with_events()
        dispatcher.utter_message(text=texts.get(chosen, "language_set"))
        common.decide(dispatcher, "choose_language", language=chosen)
        return [SlotSet(LANGUAGE_SLOT, chosen), SlotSet(LANGUAGE_LOCKED_SLOT, True)]
