"""Hand the conversation to a human counselor because the person asked."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.faq import respond_to_question
from actions.ticketing import hand_off
from bot.decision import Outcome
from bot.handoff.models import Reason


class ActionHandoff(Action):
    """Open a ticket for a person who asked for a human (or picked "none of these")."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_handoff"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Open a ticket, unless the model was not sure this was a request for a human."""
        turn = common.turn(tracker)
        if turn.decision.outcome is not Outcome.INTENT:
            return respond_to_question(dispatcher, turn)
        return hand_off(dispatcher, turn, Reason.REQUEST_HUMAN)
