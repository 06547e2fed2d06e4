"""Open tickets: one open ticket per conversation, escalated, never duplicated."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.handoff.models import ACTIVE_STATUSES, Priority, Reason, Status, Ticket

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketRequest:
    """What an action knows when it hands a conversation to a human."""

    sender_id: str
    channel: str
    language: str
    reason: Reason
    transcript: List[Dict[str, Any]]
    guesses: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def priority(self) -> Priority:
        """Crisis is always urgent."""
        return Priority.URGENT if self.reason is Reason.CRISIS else Priority.NORMAL


def find_open_ticket(session: Session, sender_id: str) -> Ticket | None:
    """The conversation's ticket that is not closed yet (open, assigned or waiting), if any."""
    query = (
        sa.select(Ticket)
        .where(Ticket.sender_id == sender_id, Ticket.status.in_(ACTIVE_STATUSES))
        .order_by(Ticket.id.desc())
    )
    return session.execute(query).scalars().first()


def open_ticket(session: Session, request: TicketRequest) -> Tuple[Ticket, bool]:
    """Open a ticket, or refresh the conversation's open one.

    Returns the ticket and whether it is new. An existing ticket gets the
    longer transcript and the new guesses, and is escalated (never
    de-escalated) to the request's priority, so a crisis after a normal
    hand-off reaches the counselor as urgent.
    """
    ticket = find_open_ticket(session, request.sender_id)
    created = ticket is None
    if ticket is None:
        ticket = Ticket(
            sender_id=request.sender_id,
            channel=request.channel,
            language=request.language,
            priority=request.priority.value,
            reason=request.reason.value,
            status=Status.OPEN.value,
            transcript=request.transcript,
            guesses=request.guesses,
        )
        session.add(ticket)
    else:
        ticket.transcript = request.transcript
        ticket.language = request.language
        if request.guesses:
            ticket.guesses = request.guesses
        if request.priority is Priority.URGENT:
            ticket.priority = Priority.URGENT.value
            ticket.reason = request.reason.value
    session.commit()
    logger.info(
        "Ticket %s %s (priority %s, reason %s).",
        ticket.id,
        "opened" if created else "updated",
        ticket.priority,
        request.reason.value,
    )
    return ticket, created
