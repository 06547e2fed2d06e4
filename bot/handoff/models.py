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
    """Where the ticket is in its life."""

    OPEN = "open"
    CLOSED = "closed"


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
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def public_id(self) -> str:
        """The id shown to the person and in the REST contract."""
        return str(self.id)
