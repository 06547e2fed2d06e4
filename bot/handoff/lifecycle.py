"""A ticket's life: open → assigned → waiting for the person → closed, and reopened.

Every change of state goes through `transition`, which refuses moves the
life does not allow, so the console, the bot and the tests share one rule.

    open ──assign──▶ assigned ──staff reply──▶ waiting
      ▲                 ▲  ◀──person writes──────┘
      │                 └──────────┐
    reopen ◀── closed ◀──close── (open | assigned | waiting)
"""

from __future__ import annotations

import enum
from typing import Dict, FrozenSet

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.tables import utcnow
from bot.handoff.models import Author, Status, Ticket, TicketMessage, TicketNote


class Event(str, enum.Enum):
    """What happens to a ticket."""

    ASSIGN = "assign"
    STAFF_REPLY = "staff_reply"
    PERSON_WRITES = "person_writes"
    CLOSE = "close"
    REOPEN = "reopen"


class TransitionError(ValueError):
    """The move is not allowed from the ticket's state."""


# Which states each event may start from.
_ALLOWED_FROM: Dict[Event, FrozenSet[Status]] = {
    Event.ASSIGN: frozenset({Status.OPEN, Status.ASSIGNED, Status.WAITING}),
    Event.STAFF_REPLY: frozenset({Status.OPEN, Status.ASSIGNED, Status.WAITING}),
    Event.PERSON_WRITES: frozenset({Status.OPEN, Status.ASSIGNED, Status.WAITING}),
    Event.CLOSE: frozenset({Status.OPEN, Status.ASSIGNED, Status.WAITING}),
    Event.REOPEN: frozenset({Status.CLOSED}),
}


def next_status(ticket: Ticket, event: Event) -> Status:
    """The state `event` moves `ticket` to; raises TransitionError if not allowed."""
    current = Status(ticket.status)
    if current not in _ALLOWED_FROM[event]:
        raise TransitionError(f"ticket {ticket.id}: cannot {event.value} a ticket that is {current.value}")
    if event is Event.ASSIGN:
        return Status.WAITING if current is Status.WAITING else Status.ASSIGNED
    if event is Event.STAFF_REPLY:
        return Status.WAITING
    if event is Event.PERSON_WRITES:
        # The person answered: it is the counselor's turn again (or still nobody's).
        return Status.ASSIGNED if ticket.assignee else Status.OPEN
    if event is Event.CLOSE:
        return Status.CLOSED
    return Status.ASSIGNED if ticket.assignee else Status.OPEN


def transition(ticket: Ticket, event: Event) -> Status:
    """Apply `event` to `ticket` (not committed) and return the new state."""
    status = next_status(ticket, event)
    ticket.status = status.value
    ticket.updated_at = utcnow()
    if status is Status.CLOSED:
        ticket.closed_at = ticket.updated_at
    elif event is Event.REOPEN:
        ticket.closed_at = None
        ticket.closed_by = None
        ticket.acknowledged = False
    return status


def assign(session: Session, ticket: Ticket, staff: str) -> None:
    """Give the ticket to `staff` (a login name)."""
    ticket.assignee = staff
    transition(ticket, Event.ASSIGN)
    session.commit()


def record_person_message(
    session: Session,
    ticket: Ticket,
    text: str,
    language: str | None,
    topic_guess: str | None,
    source_key: str | None = None,
) -> TicketMessage:
    """The person wrote while the ticket is active: keep it for the counselor.

    `source_key` names the message (its id in the tracker): a turn that runs
    again after a crash finds it recorded and records nothing twice.
    """
    if source_key is not None:
        recorded = session.execute(
            sa.select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.source_key == source_key)
        ).scalar_one_or_none()
        if recorded is not None:
            return recorded
    message = TicketMessage(
        ticket_id=ticket.id,
        author=Author.PERSON.value,
        text=text,
        language=language,
        topic_guess=topic_guess,
        source_key=source_key,
    )
    session.add(message)
    transition(ticket, Event.PERSON_WRITES)
    session.commit()
    return message


def record_staff_reply(
    session: Session, ticket: Ticket, staff: str, text: str, source_key: str | None = None
) -> TicketMessage:
    """A counselor's reply, kept with the ticket (it also goes into the conversation itself)."""
    message = TicketMessage(
        ticket_id=ticket.id,
        author=Author.STAFF.value,
        staff=staff,
        text=text,
        language=ticket.language,
        source_key=source_key,
    )
    session.add(message)
    if not ticket.assignee:
        ticket.assignee = staff
    transition(ticket, Event.STAFF_REPLY)
    session.commit()
    return message


def add_note(session: Session, ticket: Ticket, staff: str, text: str) -> TicketNote:
    """An internal note; the person never sees it."""
    if not text.strip():
        raise ValueError("a note needs text")
    note = TicketNote(ticket_id=ticket.id, staff=staff, text=text.strip())
    session.add(note)
    session.commit()
    return note


def close(session: Session, ticket: Ticket, closed_by: str) -> None:
    """Close: `closed_by` is "staff:<login>" or "person" (they said they are fine now)."""
    ticket.closed_by = closed_by
    transition(ticket, Event.CLOSE)
    session.commit()


def reopen(session: Session, ticket: Ticket) -> None:
    """Open a closed ticket again (the bot pauses again for this person)."""
    transition(ticket, Event.REOPEN)
    session.commit()
