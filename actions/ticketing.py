"""Open a consultation ticket and tell the person what happens next."""

from __future__ import annotations

import logging
from typing import List

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import common
from bot.handoff.models import Reason
from bot.handoff.tickets import open_ticket
from bot.turn import REPHRASE_ASKED_SLOT, Turn

logger = logging.getLogger(__name__)


def hand_off(dispatcher: CollectingDispatcher, turn: Turn, reason: Reason) -> List[EventType]:
    """Open (or refresh) the ticket and tell the person what happens next.

    Shared by request_human, "none of these" and a second message Soba could
    not place. The closest topics are offered as buttons meanwhile.
    """
    language = turn.language
    texts = common.texts()
    request = turn.ticket_request(reason)
    events = turn.with_events(SlotSet(REPHRASE_ASKED_SLOT, False))
    try:
        with common.db_session() as session:
            ticket, created = open_ticket(session, request)
            ticket_id, priority = ticket.public_id, ticket.priority
    except SQLAlchemyError:
        # Say so rather than promise a reply nobody will send; the person's
        # message stays in the tracker store for the retry.
        logger.exception("Ticket for %s could not be stored.", turn.sender_id)
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
