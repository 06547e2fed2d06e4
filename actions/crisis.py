"""Crisis: contacts at once and an urgent ticket. It always wins."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import common
from actions.ticketing import assign_office
from bot.handoff.models import Reason
from bot.handoff.offices import get_offices
from bot.handoff.tickets import open_ticket
from bot.settings import get_settings
from bot.turn import HANDOFF_SLOT

logger = logging.getLogger(__name__)


class ActionCrisis(Action):
    """Give crisis contacts and alert a counselor urgently."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_crisis"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Send the contacts first, then open an urgent ticket and say its number.

        The contacts never depend on the database: if the ticket cannot be
        written, the person still gets them and the failure is logged loudly.
        """
        turn = common.turn(tracker)
        texts = common.texts()
        dispatcher.utter_message(text=texts.get(turn.language, "crisis"))
        request = turn.ticket_request(Reason.CRISIS)
        ticket_id: str | None = None
        own_ticket = False
        try:
            with common.db_session() as session:
                ticket, _ = open_ticket(session, request, get_settings().limits.tickets_per_address_per_hour)
                assign_office(ticket, None, get_offices())
                session.commit()
                ticket_id = ticket.public_id
                # Past the per-address limit a crisis joins another conversation's urgent ticket.
                own_ticket = ticket.sender_id == turn.sender_id
        except SQLAlchemyError:
            logger.exception("URGENT: a crisis ticket could not be stored.")
        if ticket_id is not None:
            dispatcher.utter_message(text=texts.get(turn.language, "crisis_ticket", ticket=ticket_id))
        common.decide(dispatcher, "crisis", ticket=ticket_id)
        if not own_ticket:
            return turn.with_events()
        return turn.with_events(SlotSet(HANDOFF_SLOT, True))
