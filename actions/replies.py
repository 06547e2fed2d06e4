"""Short replies: greetings, thanks, goodbyes, "are you a bot", out-of-scope, and no text."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.faq import respond_to_question
from bot.decision import Outcome

# Intents answered by one text each; the text key is the intent name.
SIMPLE_INTENTS = ("greet", "goodbye", "thank", "bot_challenge", "out_of_scope", "no_text")
# Set by the channels (bot/channels/incoming.py), never by the model.
NO_TEXT_INTENT = "no_text"


class ActionReply(Action):
    """Reply to a small-talk or out-of-scope message in the person's language."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_reply"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Send the intent's text and report the intent as the turn's decision."""
        turn = common.turn(tracker)
        intent = turn.intent
        if intent != NO_TEXT_INTENT and turn.decision.outcome is not Outcome.INTENT:
            # The model was not sure this was small talk: treat it as a question.
            return respond_to_question(dispatcher, turn)
        if intent not in SIMPLE_INTENTS:
            # Only reachable through a wrong rule; out_of_scope is the safe reply.
            intent = "out_of_scope"
        dispatcher.utter_message(text=common.texts().get(turn.language, intent))
        common.decide(dispatcher, intent)
        return turn.with_events()
