"""Retention: personal data older than the configured days is deleted or anonymised.

`soba purge` runs `purge()`, and `soba run` runs it every
`retention.purge_every_hours`. A person may also ask for their conversation
to be deleted: `forget_conversation()`, from the console (audited).

What is kept, and why (docs/security.md):
- a conversation (Rasa's `events`) is deleted whole once its newest event is
  older than the cutoff, unless it has a ticket that is not closed;
- a closed ticket older than the cutoff keeps its statistics (language,
  reason, office, topic guesses, times) but loses the person: its transcript,
  messages and notes are deleted and its conversation id replaced;
- inbox items (messages as they arrived) lose their text when handled and are
  deleted once past the redelivery record; outbox messages and button
  payloads older than the cutoff are deleted;
- feedback keeps the topic and the 👍/👎, not who gave it;
- the audit log keeps who (staff) did what and when, but loses client
  addresses, typed login names of failed sign-ins and details after the cutoff.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.channels.inbox import InboxItem
from bot.channels.inbox import Status as InboxStatus
from bot.channels.outbox import OutboxMessage
from bot.channels.payloads import ShortPayload
from bot.console.models import AuditEntry
from bot.db import sessions_for
from bot.feedback import Feedback
from bot.handoff.models import ACTIVE_STATUSES, Ticket, TicketMessage, TicketNote
from bot.settings import Settings

logger = logging.getLogger(__name__)

PURGED = "purged"
# Rasa's tracker store table (created by the first migration, like Rasa makes it).
_EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))


@dataclass
class PurgeReport:
    """How many rows of each kind were deleted or anonymised."""

    counts: Dict[str, int] = field(default_factory=dict)

    def add(self, what: str, rowcount: int | None) -> None:
        self.counts[what] = self.counts.get(what, 0) + int(rowcount or 0)

    def __str__(self) -> str:
        return ", ".join(f"{what}: {count}" for what, count in sorted(self.counts.items())) or "nothing"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _forget_tickets(session: Session, ticket_ids: List[int], report: PurgeReport) -> None:
    """Keep the tickets' statistics, drop the person: transcript, messages, notes, conversation id."""
    if not ticket_ids:
        return
    report.add(
        "ticket messages",
        session.execute(sa.delete(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids))).rowcount,
    )
    report.add(
        "ticket notes", session.execute(sa.delete(TicketNote).where(TicketNote.ticket_id.in_(ticket_ids))).rowcount
    )
    for ticket_id in ticket_ids:
        session.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(sender_id=f"{PURGED}:{ticket_id}", transcript=[], region=None, origin=None)
        )
    report.add("tickets anonymised", len(ticket_ids))


def _forget_conversations(session: Session, conversation_ids: List[str], report: PurgeReport) -> None:
    if not conversation_ids:
        return
    report.add(
        "conversation events",
        session.execute(sa.delete(_EVENTS).where(_EVENTS.c.sender_id.in_(conversation_ids))).rowcount,
    )
    report.add(
        "inbox items",
        session.execute(sa.delete(InboxItem).where(InboxItem.conversation_id.in_(conversation_ids))).rowcount,
    )
    report.add(
        "outbox messages",
        session.execute(sa.delete(OutboxMessage).where(OutboxMessage.conversation_id.in_(conversation_ids))).rowcount,
    )
    report.add(
        "feedback anonymised",
        session.execute(
            sa.update(Feedback).where(Feedback.sender_id.in_(conversation_ids)).values(sender_id=PURGED)
        ).rowcount,
    )


def purge(settings: Settings, now: dt.datetime | None = None, database_url: str | None = None) -> PurgeReport:
    """Delete or anonymise personal data older than `retention.personal_data_days`."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = now - dt.timedelta(days=settings.retention.personal_data_days)
    redelivery_cutoff = now - dt.timedelta(days=settings.retention.redelivery_days)
    report = PurgeReport()
    sessions = sessions_for(database_url or settings.database_url)
    with sessions() as session:
        active = set(session.execute(sa.select(Ticket.sender_id).where(Ticket.status.in_(ACTIVE_STATUSES))).scalars())
        stale = [
            sender
            for sender, newest in session.execute(
                sa.select(_EVENTS.c.sender_id, sa.func.max(_EVENTS.c.timestamp)).group_by(_EVENTS.c.sender_id)
            )
            if newest is not None and newest < cutoff.timestamp() and sender not in active
        ]
        _forget_conversations(session, stale, report)
        old_tickets = list(
            session.execute(
                sa.select(Ticket.id).where(
                    Ticket.status.notin_(ACTIVE_STATUSES),
                    Ticket.closed_at < cutoff,
                    ~Ticket.sender_id.startswith(PURGED),
                )
            ).scalars()
        )
        _forget_tickets(session, old_tickets, report)
        report.add(
            "inbox items",
            session.execute(
                sa.delete(InboxItem).where(
                    InboxItem.status != InboxStatus.RECEIVED.value, InboxItem.received_at < redelivery_cutoff
                )
            ).rowcount,
        )
        report.add(
            "outbox messages",
            session.execute(sa.delete(OutboxMessage).where(OutboxMessage.created_at < cutoff)).rowcount,
        )
        report.add(
            "button payloads", session.execute(sa.delete(ShortPayload).where(ShortPayload.created_at < cutoff)).rowcount
        )
        report.add(
            "feedback anonymised",
            session.execute(
                sa.update(Feedback)
                .where(Feedback.created_at < cutoff, Feedback.sender_id != PURGED)
                .values(sender_id=PURGED)
            ).rowcount,
        )
        report.add(
            "audit entries anonymised",
            session.execute(
                sa.update(AuditEntry)
                .where(
                    AuditEntry.at < cutoff,
                    sa.or_(AuditEntry.ip.isnot(None), AuditEntry.device.isnot(None), AuditEntry.details != ""),
                )
                .values(ip=None, device=None, details="")
            ).rowcount,
        )
        session.commit()
    logger.info("Purged personal data older than %s: %s.", cutoff.date(), report)
    return report


def forget_conversation(conversation_id: str, database_url: str | None = None) -> PurgeReport:
    """Delete one person's conversation now (they asked), keeping only their tickets' statistics."""
    report = PurgeReport()
    with sessions_for(database_url)() as session:
        tickets = list(session.execute(sa.select(Ticket.id).where(Ticket.sender_id == conversation_id)).scalars())
        _forget_tickets(session, tickets, report)
        session.execute(
            sa.update(Ticket)
            .where(Ticket.id.in_(tickets), Ticket.status.in_(ACTIVE_STATUSES))
            .values(status="closed", closed_by="person:deleted", closed_at=dt.datetime.now(dt.timezone.utc))
        )
        _forget_conversations(session, [conversation_id], report)
        session.commit()
    logger.info("A conversation was deleted on request: %s.", report)
    return report
