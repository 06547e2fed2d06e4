"""Short replies for greetings, thanks, goodbyes, "are you a bot" and out-of-scope."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import common

# Intents answered by one text each; the text key is the intent name.
SIMPLE_INTENTS = ("greet", "goodbye", "thank", "bot_challenge", "out_of_scope")


class ActionReply(Action):
    """Reply to a small-talk or out-of-scope message in the person's language."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Send the intent's text and report the intent as the turn's decision."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in SIMPLE_INTENTS:
            # Only reachable through a wrong rule; out_of_scope is the safe reply.
            intent = "out_of_scope"
        language, events = common.conversation_language(tracker)
        dispatcher.utter_message(text=common.texts().get(language, intent))
        common.decide(dispatcher, intent)
        return events
