"""Open a consultation ticket and tell the person what happens next."""

from __future__ import annotations

import datetime as dt
import logging
from typing import List

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import common
from bot.core.tables import utcnow
from bot.handoff.models import Reason, Ticket
from bot.handoff.offices import Office, Offices, get_offices
from bot.handoff.tickets import TicketLimitReached, open_ticket
from bot.settings import get_settings
from bot.turn import HANDOFF_SLOT, REPHRASE_ASKED_SLOT, Turn


def format_when(when: dt.datetime, language: str) -> str:
    """An opening time as the person reads it (Japan time), in their language's date pattern."""
    return common.texts().when(language, when)


def office_notice(language: str, office: Office, offices: Offices, now: dt.datetime | None = None) -> str:
    """Whether a counselor is answering now and, if not, when, and where to call meanwhile."""
    texts = common.texts()
    now = now or utcnow()
    if offices.is_open(office, now):
        return texts.get(language, "office_open_now")
    opening = offices.next_opening(office, now)
    if opening is None:
        return texts.get(language, "office_closed_long")
    return texts.get(language, "office_closed", when=format_when(opening, language))


def assign_office(ticket: Ticket, region: str | None, offices: Offices) -> Office:
    """Put a new ticket in the queue of the office covering `region` (else the default office)."""
    office = offices.route(region)
    if ticket.office is None or region:
        ticket.office = office.id
        ticket.region = region or ticket.region
    return offices.offices.get(ticket.office, office)


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
    offices = get_offices()
    try:
        with common.db_session() as session:
            ticket, created = open_ticket(session, request, get_settings().limits.tickets_per_address_per_hour)
            office = assign_office(ticket, None, offices)
            session.commit()
            ticket_id, priority, region_known = ticket.public_id, ticket.priority, ticket.region is not None
    except TicketLimitReached:
        dispatcher.utter_message(text=texts.get(language, "tickets_limited"))
        common.decide(dispatcher, "handoff", ticket=None, priority=request.priority.value)
        return events
    except SQLAlchemyError:
        # Say so rather than promise a reply nobody will send; the person's
        # message stays in the tracker store for the retry.
        logger.exception("A ticket could not be stored.")
        dispatcher.utter_message(text=texts.get(language, "handoff_failed"))
        common.decide(dispatcher, "handoff", ticket=None, priority=request.priority.value)
        return events

    if created:
        lines = [texts.get(language, "handoff", ticket=ticket_id, office=office.name(language))]
        lines.append(office_notice(language, office, offices))
        if reason is Reason.LOW_CONFIDENCE:
            lines.insert(0, texts.get(language, "handoff_low_confidence"))
        if not region_known and len(offices.offices) > 1:
            lines.append(texts.get(language, "ask_region"))
    else:
        lines = [texts.get(language, "handoff_existing", ticket=ticket_id)]
    dispatcher.utter_message(text="\n".join(lines))
    buttons = common.topic_buttons(language, [guess["topic"] for guess in request.guesses])
    if buttons:
        dispatcher.utter_message(text=texts.get(language, "closest_topics"), buttons=buttons)
    common.decide(dispatcher, "handoff", ticket=ticket_id, priority=priority)
    # From now on the person's messages go to the counselor (actions/relay.py).
    return [*events, SlotSet(HANDOFF_SLOT, True)]
