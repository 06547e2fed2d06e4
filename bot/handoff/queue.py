"""The counselors' queue: urgent first, then whoever has waited longest; filters for the console."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.tables import utcnow
from bot.handoff.models import ACTIVE_STATUSES, Author, Priority, Status, Ticket, TicketMessage


@dataclass(frozen=True)
class QueueFilter:
    """What the console's queue page filters by; None means any."""

    statuses: Sequence[str] = ACTIVE_STATUSES
    language: Optional[str] = None
    priority: Optional[str] = None
    office: Optional[str] = None
    assignee: Optional[str] = None


@dataclass(frozen=True)
class QueueEntry:
    """A ticket in the queue and how long the person has been waiting for a counselor."""

    ticket: Ticket
    # None when it is the person's turn (a counselor replied last) or the ticket is closed.
    waiting: Optional[dt.timedelta]
    last_message_at: dt.datetime


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; Soba stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def queue(
    session: Session, filters: Optional[QueueFilter] = None, now: Optional[dt.datetime] = None
) -> List[QueueEntry]:
    """Tickets matching `filters` (default: every active one): urgent first, then longest waiting first."""
    filters = filters or QueueFilter()
    now = now or utcnow()
    query = sa.select(Ticket).where(Ticket.status.in_(list(filters.statuses)))
    for column, value in (
        (Ticket.language, filters.language),
        (Ticket.priority, filters.priority),
        (Ticket.office, filters.office),
        (Ticket.assignee, filters.assignee),
    ):
        if value:
            query = query.where(column == value)
    tickets = list(session.execute(query).scalars())
    last_person = _latest_message_times(session, [t.id for t in tickets], Author.PERSON)
    last_any = _latest_message_times(session, [t.id for t in tickets], None)
    entries = []
    for ticket in tickets:
        since = _aware(last_person.get(ticket.id) or ticket.created_at)
        waiting = None if ticket.status in (Status.WAITING.value, Status.CLOSED.value) else now - since
        last = _aware(last_any.get(ticket.id) or ticket.created_at)
        entries.append(QueueEntry(ticket, waiting, last))
    urgent = Priority.URGENT.value
    return sorted(
        entries,
        key=lambda e: (e.ticket.priority != urgent, e.waiting is None, -(e.waiting or dt.timedelta()).total_seconds()),
    )


def _latest_message_times(session: Session, ticket_ids: List[int], author: Optional[Author]) -> Dict[int, dt.datetime]:
    if not ticket_ids:
        return {}
    query = sa.select(TicketMessage.ticket_id, sa.func.max(TicketMessage.created_at)).where(
        TicketMessage.ticket_id.in_(ticket_ids)
    )
    if author is not None:
        query = query.where(TicketMessage.author == author.value)
    return {ticket_id: moment for ticket_id, moment in session.execute(query.group_by(TicketMessage.ticket_id))}
