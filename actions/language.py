"""Switch the conversation's language when the person asks."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from bot.languages import chosen_language


class ActionChooseLanguage(Action):
    """Lock the conversation to the language the person named."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_choose_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Set and lock the language, or list the available ones."""
        config = common.settings()
        chosen = chosen_language(tracker.latest_message.get("text") or "", config.languages)
        texts = common.texts()
        if chosen is None:
            language, events = common.conversation_language(tracker)
            dispatcher.utter_message(text=texts.get(language, "language_unavailable"))
            common.decide(dispatcher, "choose_language", language=language)
            return events
        dispatcher.utter_message(text=texts.get(chosen, "language_set"))
        common.decide(dispatcher, "choose_language", language=chosen)
        return [SlotSet(common.LANGUAGE_SLOT, chosen), SlotSet(common.LANGUAGE_LOCKED_SLOT, True)]
