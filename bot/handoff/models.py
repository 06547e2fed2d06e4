"""The ticket table."""

from __future__ import annotations

import enum

import sqlalchemy as sa

from bot.core.tables import Base, utcnow


class Priority(str, enum.Enum):
    """How soon a counselor must look: urgent for crisis."""

    NORMAL = "normal"
    URGENT = "urgent"


class Reason(str, enum.Enum):
    """Why the conversation was handed to a human."""

    LOW_CONFIDENCE = "low_confidence"
    REQUEST_HUMAN = "request_human"
    CRISIS = "crisis"


class Status(str, enum.Enum):
    """Where the ticket is in its life (bot/handoff/lifecycle.py moves it)."""

    # Waiting for a counselor to pick it up.
    OPEN = "open"
    # A counselor has it.
    ASSIGNED = "assigned"
    # The counselor replied; waiting for the person to write back.
    WAITING = "waiting"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """The bot stays quiet while a ticket is in any state but closed."""
        return self is not Status.CLOSED


ACTIVE_STATUSES = tuple(status.value for status in Status if status.is_active)


class Author(str, enum.Enum):
    """Who wrote a message after the hand-off."""

    PERSON = "person"
    STAFF = "staff"
    BOT = "bot"


class Ticket(Base):
    """A consultation request with everything a counselor needs to pick it up."""

    __tablename__ = "tickets"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    channel = sa.Column(sa.String(64), nullable=False, default="")
    language = sa.Column(sa.String(16), nullable=False)
    priority = sa.Column(sa.String(16), nullable=False, default=Priority.NORMAL.value)
    reason = sa.Column(sa.String(32), nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default=Status.OPEN.value, index=True)
    # [{"role": "user"|"bot", "text": ..., "timestamp": ...}, ...]
    transcript = sa.Column(sa.JSON, nullable=False, default=list)
    # [{"topic": ..., "confidence": ...}, ...], best first
    guesses = sa.Column(sa.JSON, nullable=False, default=list)
    # The office whose queue it is in (offices.yml) and the region that chose it.
    office = sa.Column(sa.String(64), nullable=True, index=True)
    region = sa.Column(sa.String(64), nullable=True)
    # The staff member's login name.
    assignee = sa.Column(sa.String(64), nullable=True, index=True)
    # The person has been told once that their messages now go to a counselor.
    acknowledged = sa.Column(sa.Boolean, nullable=False, default=False)
    # "staff:<login>" or "person" (they cancelled).
    closed_by = sa.Column(sa.String(80), nullable=True)
    # A pseudonym of the network address the ticket came from (REST, widget),
    # for the per-address limit on new tickets; never the address itself.
    origin = sa.Column(sa.String(32), nullable=True, index=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    closed_at = sa.Column(sa.DateTime(timezone=True), nullable=True)

    @property
    def public_id(self) -> str:
        """The id shown to the person and in the REST contract."""
        return str(self.id)


class TicketMessage(Base):
    """A message in the conversation after the hand-off: the person's, a counselor's, or the bot's."""

    __tablename__ = "ticket_messages"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "source_key", name="uq_ticket_messages_source"),)

    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True)
    author = sa.Column(sa.String(16), nullable=False)
    # The staff member's login for staff messages.
    staff = sa.Column(sa.String(64), nullable=True)
    text = sa.Column(sa.Text, nullable=False)
    language = sa.Column(sa.String(16), nullable=True)
    # For the person's messages: the bot's best topic guess, so a counselor
    # who does not read the language knows what it is about.
    topic_guess = sa.Column(sa.String(100), nullable=True)
    # What the message is (the person's message id in the tracker, a reply's
    # id), so a replayed turn or a retried reply is recorded once.
    source_key = sa.Column(sa.String(200), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class TicketNote(Base):
    """An internal note on a ticket; never shown to the person."""

    __tablename__ = "ticket_notes"

    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True)
    staff = sa.Column(sa.String(64), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
