"""The durable inbox: every incoming message is stored before it is acknowledged.

A platform's acknowledgement (LINE's and Telegram's 200, the widget's `ack`)
promises the person that their message is taken. So a message is written
here first, in one transaction with its redelivery record (the unique
`(channel, event_key)`), and only then acknowledged; it is handled after,
and marked done in the same transaction that stores its replies in the
outbox. At start, every item not done is handled again, in order, once: the
turn carries the item's key as Rasa's `message_id`, so a turn that reached
the tracker before a crash is recognised and not run twice (security review
H3).

The table is also the redelivery record: a platform's second delivery of an
event finds its key and is acknowledged without a second turn.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.core.tables import Base, utcnow
from bot.db import sessions_for


class Status(str, enum.Enum):
    """Where an inbox item is."""

    # Stored and acknowledged; its turn has not been stored yet.
    RECEIVED = "received"
    # The turn is in the tracker and its replies are in the outbox.
    DONE = "done"
    # The turn failed for a reason retrying cannot fix (kept for the record).
    FAILED = "failed"


class InboxItem(Base):
    """One message a person sent, from arrival until its turn is stored."""

    __tablename__ = "channel_inbox"
    __table_args__ = (
        sa.UniqueConstraint("channel", "event_key", name="uq_channel_inbox_event"),
        sa.Index("ix_channel_inbox_conversation_status", "conversation_id", "status"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(sa.String(32), nullable=False)
    # The platform's id of the event (LINE webhookEventId, Telegram update_id,
    # the widget's message id), or a digest of the event when it has none.
    event_key = sa.Column(sa.String(200), nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False)
    # JSON: {"text": ..., "metadata": {...}, "kind": ..., "extra": {...}}
    payload = sa.Column(sa.Text, nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default=Status.RECEIVED.value, index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    received_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # When the platform says the person sent it (LINE and Telegram timestamps).
    event_at = sa.Column(sa.DateTime(timezone=True), nullable=True)
    done_at = sa.Column(sa.DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Inbound:
    """A message as a channel parsed it, before it is stored."""

    event_key: str
    conversation_id: str
    # What the person wrote, a button payload, or None for no text (a sticker).
    text: Optional[str]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    # "message": a turn; other kinds are the channel's own (a menu, a welcome).
    kind: str = "message"
    # What the channel needs to deliver the replies (a LINE reply token).
    extra: Mapping[str, Any] = field(default_factory=dict)
    event_at: Optional[dt.datetime] = None


@dataclass(frozen=True)
class Pending:
    """An inbox item to handle."""

    id: int
    channel: str
    event_key: str
    conversation_id: str
    text: Optional[str]
    metadata: Mapping[str, Any]
    kind: str
    extra: Mapping[str, Any]
    attempts: int
    received_at: dt.datetime

    @property
    def message_id(self) -> str:
        """The id the turn carries in the tracker, so a replay can tell it was stored."""
        return f"{self.channel}/{self.event_key}"


def _payload(inbound: Inbound) -> str:
    # ASCII JSON: a lone surrogate in a person's text (security review L3) is stored
    # escaped, never refused by the database, and cleaned before NLU.
    return json.dumps(
        {"text": inbound.text, "metadata": dict(inbound.metadata), "kind": inbound.kind, "extra": dict(inbound.extra)}
    )


def _pending(row: InboxItem) -> Pending:
    payload: Dict[str, Any] = json.loads(row.payload)
    return Pending(
        id=int(row.id),
        channel=str(row.channel),
        event_key=str(row.event_key),
        conversation_id=str(row.conversation_id),
        text=payload.get("text"),
        metadata=payload.get("metadata") or {},
        kind=str(payload.get("kind") or "message"),
        extra=payload.get("extra") or {},
        attempts=int(row.attempts or 0),
        received_at=row.received_at,
    )


def accept(channel: str, inbounds: Sequence[Inbound], database_url: str | None = None) -> List[Optional[int]]:
    """Store the messages of one delivery in one transaction; None for each one already stored.

    Raises the database's error if it cannot be written: the caller then
    must not acknowledge, so the platform (or the widget) sends it again.
    """
    sessions = sessions_for(database_url)
    ids: List[Optional[int]] = []
    with sessions() as session:
        for inbound in inbounds:
            row = InboxItem(
                channel=channel,
                event_key=inbound.event_key,
                conversation_id=inbound.conversation_id,
                payload=_payload(inbound),
                event_at=inbound.event_at,
            )
            try:
                with session.begin_nested():
                    session.add(row)
                ids.append(int(row.id))
            except IntegrityError:
                ids.append(None)
        session.commit()
    return ids


def next_pending(conversation_id: str, database_url: str | None = None) -> Optional[Pending]:
    """The conversation's oldest item not handled yet, or None."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        row = session.execute(
            sa.select(InboxItem)
            .where(InboxItem.conversation_id == conversation_id, InboxItem.status == Status.RECEIVED.value)
            .order_by(InboxItem.id)
            .limit(1)
        ).scalar_one_or_none()
        return _pending(row) if row is not None else None


def unfinished_conversations(channel: str, database_url: str | None = None) -> List[str]:
    """Conversations of `channel` with items not handled yet, oldest first."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        rows = session.execute(
            sa.select(InboxItem.conversation_id, sa.func.min(InboxItem.id).label("first"))
            .where(InboxItem.channel == channel, InboxItem.status == Status.RECEIVED.value)
            .group_by(InboxItem.conversation_id)
            .order_by(sa.text("first"))
        ).all()
    return [str(row.conversation_id) for row in rows]


def count_attempt(item_id: int, database_url: str | None = None) -> int:
    """Record one more failed attempt at an item; returns the attempts so far."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        row = session.get(InboxItem, item_id)
        if row is None:
            return 0
        row.attempts = int(row.attempts or 0) + 1
        session.commit()
        return int(row.attempts)


def mark_failed(item_id: int, database_url: str | None = None) -> None:
    """Give up on an item that keeps failing; it stays in the table for the record."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        session.execute(
            sa.update(InboxItem).where(InboxItem.id == item_id).values(status=Status.FAILED.value, done_at=utcnow())
        )
        session.commit()


def counts(database_url: str | None = None) -> Dict[str, int]:
    """How many items are in each state (for the tests and the health page)."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        rows = session.execute(sa.select(InboxItem.status, sa.func.count()).group_by(InboxItem.status)).all()
    return {str(status): int(number) for status, number in rows}
