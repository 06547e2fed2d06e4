"""Ticket store on real databases: SQLite always, PostgreSQL where it runs."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from bot.handoff.models import Reason
from bot.handoff.tickets import TicketRequest, find_open_ticket, open_ticket


def request_for(sender: str, reason: Reason) -> TicketRequest:
    return TicketRequest(
        sender_id=sender,
        channel="rest",
        language="ja",
        reason=reason,
        transcript=[{"role": "user", "text": "残業代が払われません", "timestamp": 1.0}],
        guesses=[{"topic": "overtime_pay", "confidence": 0.41}],
    )


def test_a_ticket_keeps_transcript_guesses_and_priority(session: Session) -> None:
    sender = f"t-{uuid.uuid4()}"

    ticket, created = open_ticket(session, request_for(sender, Reason.LOW_CONFIDENCE))

    assert created
    stored = find_open_ticket(session, sender)
    assert stored is not None and stored.id == ticket.id
    assert stored.transcript[0]["text"] == "残業代が払われません"
    assert stored.guesses == [{"topic": "overtime_pay", "confidence": 0.41}]
    assert stored.priority == "normal"


def test_one_open_ticket_per_conversation_escalated_by_crisis(session: Session) -> None:
    sender = f"t-{uuid.uuid4()}"
    first, _ = open_ticket(session, request_for(sender, Reason.REQUEST_HUMAN))

    second, created = open_ticket(session, request_for(sender, Reason.CRISIS))
    third, _ = open_ticket(session, request_for(sender, Reason.REQUEST_HUMAN))

    assert not created and first.id == second.id == third.id
    assert third.priority == "urgent"
