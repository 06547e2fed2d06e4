"""While a ticket is active the bot stays quiet: the person's messages go to the counselor.

The rules in data/rules/handoff.yml send every message (but crisis, which
always gets the contacts, and a language choice) here while the
`handoff_active` slot is set. The person hears from Soba once per ticket
("your messages reach the counselor"), may name the prefecture for the
nearest office, and may cancel ("I'm fine now"); the counselor's replies and
the closing come from the console through Rasa's HTTP API
(bot/handoff/conversation.py).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import common
from actions.faq import respond_to_question
from actions.ticketing import assign_office, office_notice
from bot.handoff import lifecycle
from bot.handoff.offices import get_offices
from bot.handoff.regions import find_region
from bot.handoff.tickets import find_open_ticket
from bot.turn import HANDOFF_SLOT, Turn

logger = logging.getLogger(__name__)

CANCEL_INTENT = "cancel_ticket"


def cancel_button(language: str) -> Dict[str, str]:
    """The button that lets the person withdraw the consultation."""
    return {"title": common.texts().get(language, "cancel_button"), "payload": f"/{CANCEL_INTENT}"}


def bot_resumes() -> List[EventType]:
    """Clear the pause and wait for the person.

    The rule that ran this action had `handoff_active: true` as its condition;
    once the slot changes mid-rule no rule says "listen now", so the turn ends
    explicitly instead of falling through to the fallback.
    """
    return [SlotSet(HANDOFF_SLOT, False), FollowupAction("action_listen")]


class ActionRelayToCounselor(Action):
    """Keep the person's message for the counselor; answer at most once per ticket."""

    def name(self) -> str:
        """Action name used in domain.yml and rules."""
        return "action_relay_to_counselor"

    @common.readings_for_easy_japanese
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        """Relay, route by region, or cancel; resume the bot if the ticket was closed meanwhile."""
        turn = common.turn(tracker)
        try:
            return relay(dispatcher, turn)
        except SQLAlchemyError:
            # Keep the pause: the message is in the tracker, and the console shows the tracker.
            logger.exception("A message could not be added to its ticket.")
            dispatcher.utter_message(text=common.texts().get(turn.language, "handoff_failed"))
            common.decide(dispatcher, "handoff", ticket=None, priority="normal")
            return turn.with_events()


def relay(dispatcher: CollectingDispatcher, turn: Turn) -> List[EventType]:
    """What the person gets for a message while a ticket is active."""
    texts, language = common.texts(), turn.language
    with common.db_session() as session:
        ticket = find_open_ticket(session, turn.sender_id)
        if ticket is None:
            # Closed while the slot still said active (e.g. the closing message
            # could not be delivered): the bot is back, so answer normally.
            if turn.intent == CANCEL_INTENT:
                dispatcher.utter_message(text=texts.get(language, "ticket_cancelled"))
                common.decide(dispatcher, CANCEL_INTENT)
                return turn.with_events(*bot_resumes())
            # Answered as usual; a hand-off inside it sets the pause again, after the clearing.
            answered = respond_to_question(dispatcher, turn)
            return [SlotSet(HANDOFF_SLOT, False), *answered, FollowupAction("action_listen")]
        ticket_id, priority = ticket.public_id, ticket.priority
        if turn.intent == CANCEL_INTENT:
            lifecycle.close(session, ticket, "person")
            dispatcher.utter_message(text=texts.get(language, "ticket_cancelled"))
            common.decide(dispatcher, CANCEL_INTENT, ticket=ticket_id)
            return turn.with_events(*bot_resumes())

        guess = turn.decision.topics[0] if turn.decision.topics else None
        source = f"user:{turn.message_id}" if turn.message_id else None
        lifecycle.record_person_message(session, ticket, turn.text, language, guess, source)
        region = find_region(turn.text) if ticket.region is None else None
        lines: List[str] = []
        if region is not None:
            offices = get_offices()
            office = assign_office(ticket, region, offices)
            lines += [
                texts.get(language, "region_set", region=region, office=office.name(language)),
                office_notice(language, office, offices),
            ]
        if not ticket.acknowledged:
            lines.append(texts.get(language, "relay_ack"))
            ticket.acknowledged = True
        session.commit()
    if lines:
        dispatcher.utter_message(text="\n".join(lines), buttons=[cancel_button(language)])
    common.decide(dispatcher, "handoff", ticket=ticket_id, priority=priority)
    return turn.with_events()
