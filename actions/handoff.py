"""Hand the conversation to a human counselor: a real ticket in the database."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import common
from bot.handoff.models import Reason
from bot.handoff.tickets import open_ticket

logger = logging.getLogger(__name__)


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: Reason) -> List[EventType]:
    """Open (or refresh) the ticket and tell the person what happens next.

    Shared by request_human, low NLU confidence and a low-confidence FAQ topic.
    The closest topics are offered as buttons meanwhile.
    """
    language, events = common.conversation_language(tracker)
    texts = common.texts()
    request = common.ticket_request(tracker, language, reason)
    try:
        with common.db_session() as session:
            ticket, created = open_ticket(session, request)
            ticket_id, priority = ticket.public_id, ticket.priority
    except SQLAlchemyError:
        # Say so rather than promise a reply nobody will send; the person's
        # message stays in the tracker store for the retry.
        logger.exception("Ticket for %s could not be stored.", tracker.sender_id)
        dispatcher.utter_message(text=texts.get(language, "handoff_failed"))
        common.decide(dispatcher, "handoff", ticket=None, priority=request.priority.value)
        return events

    if created:
        lines = [texts.get(language, "handoff", ticket=ticket_id)]
        if reason is Reason.LOW_CONFIDENCE:
            lines.insert(0, texts.get(language, "handoff_low_confidence"))
    else:
        lines = [texts.get(language, "handoff_existing", ticket=ticket_id)]
    dispatcher.utter_message(text="\n".join(lines))
    buttons = common.topic_buttons(language, [guess["topic"] for guess in request.guesses])
    if buttons:
        dispatcher.utter_message(text=texts.get(language, "closest_topics"), buttons=buttons)
    common.decide(dispatcher, "handoff", ticket=ticket_id, priority=priority)
    return events


class ActionHandoff(Action):
    """Hand off because the person asked for a human."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Open a ticket for a requested human."""
        return hand_off(dispatcher, tracker, Reason.REQUEST_HUMAN)


class ActionLowConfidence(Action):
    """Hand off because Soba is not sure what the person asks (nlu_fallback)."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_low_confidence"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Open a ticket for a message Soba could not classify confidently."""
        return hand_off(dispatcher, tracker, Reason.LOW_CONFIDENCE)
