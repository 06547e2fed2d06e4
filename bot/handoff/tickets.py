"""Open tickets: one open ticket per conversation, escalated, never duplicated.

New tickets are limited per network address (REST and widget; security
review M4): past `per_address_per_hour`, a normal request is refused with a
clear reply, and a crisis joins the newest urgent ticket from that address
as a note instead of opening one more. The crisis reply itself is never
limited (actions/crisis.py sends the contacts before any of this).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.tables import utcnow
from bot.handoff.models import ACTIVE_STATUSES, Priority, Reason, Status, Ticket, TicketNote

# Who an automatic note is from.
SOBA_NOTE_AUTHOR = "soba"
LIMIT_WINDOW = dt.timedelta(hours=1)

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
    # A pseudonym of the network address the request came from (REST, widget).
    origin: str | None = None

    @property
    def priority(self) -> Priority:
        """Crisis is always urgent."""
        return Priority.URGENT if self.reason is Reason.CRISIS else Priority.NORMAL


class TicketLimitReached(Exception):
    """Too many new tickets from one network address in the last hour."""


def find_open_ticket(session: Session, sender_id: str) -> Ticket | None:
    """The conversation's ticket that is not closed yet (open, assigned or waiting), if any."""
    query = (
        sa.select(Ticket)
        .where(Ticket.sender_id == sender_id, Ticket.status.in_(ACTIVE_STATUSES))
        .order_by(Ticket.id.desc())
    )
    return session.execute(query).scalars().first()


def _over_limit(session: Session, request: TicketRequest, per_address_per_hour: int | None) -> bool:
    if not per_address_per_hour or not request.origin:
        return False
    recent = session.execute(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(Ticket.origin == request.origin, Ticket.created_at >= utcnow() - LIMIT_WINDOW)
    ).scalar()
    return int(recent or 0) >= per_address_per_hour


def _join_urgent_ticket(session: Session, request: TicketRequest) -> Ticket | None:
    """Add a crisis from a flooding address to that address's newest urgent ticket, as a note."""
    ticket = (
        session.execute(
            sa.select(Ticket)
            .where(
                Ticket.origin == request.origin,
                Ticket.priority == Priority.URGENT.value,
                Ticket.status.in_(ACTIVE_STATUSES),
            )
            .order_by(Ticket.id.desc())
        )
        .scalars()
        .first()
    )
    if ticket is None:
        return None
    said = next((line.get("text") for line in reversed(request.transcript) if line.get("role") == "user"), "")
    session.add(
        TicketNote(
            ticket_id=ticket.id,
            staff=SOBA_NOTE_AUTHOR,
            text=f"Crisis in another conversation from the same network ({request.sender_id}): {said}",
        )
    )
    session.commit()
    logger.warning("Crisis joined urgent ticket %s: too many new tickets from one address.", ticket.id)
    return ticket


def open_ticket(
    session: Session, request: TicketRequest, per_address_per_hour: int | None = None
) -> Tuple[Ticket, bool]:
    """Open a ticket, or refresh the conversation's open one.

    Returns the ticket and whether it is new. An existing ticket gets the
    longer transcript and the new guesses, and is escalated (never
    de-escalated) to the request's priority, so a crisis after a normal
    hand-off reaches the counselor as urgent. Past the per-address limit a
    normal request raises `TicketLimitReached`, and a crisis may come back
    with another conversation's urgent ticket (see the module docstring).
    """
    ticket = find_open_ticket(session, request.sender_id)
    created = ticket is None
    if ticket is None and _over_limit(session, request, per_address_per_hour):
        if request.priority is not Priority.URGENT:
            raise TicketLimitReached(f"more than {per_address_per_hour} new tickets from one address in an hour")
        joined = _join_urgent_ticket(session, request)
        if joined is not None:
            return joined, False
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
            origin=request.origin,
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
