"""The outbox: every bot message to a person is stored before it is sent.

Replies to a person's message are stored in the same transaction that marks
the message's inbox item done, and a counselor's reply is stored when Rasa
hands it to the channel; then they are sent. A message whose sending failed
(the platform was down, the process died) stays unsent and is sent again by
the channel's sweep and at start. Each row has a per-conversation `seq`: the
widget shows each message once by it, and push channels send in its order.

`source_key` makes a store idempotent: the replies of inbox item 7 are
`inbox:7:0`, `inbox:7:1`…, a counselor's reply is `reply:<id>`; storing the
same key twice keeps the first row, so a replayed turn or a retried reply is
sent once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.inbox import InboxItem, Pending, Status
from bot.core.tables import Base, utcnow
from bot.db import sessions_for

# Two Rasa servers may write one conversation at once; the loser of a seq retries.
_APPEND_ATTEMPTS = 8
# A message the platform keeps refusing (the person blocked the bot) is tried
# this many times, then left in the outbox, unsent, for the record.
MAX_SEND_ATTEMPTS = 20


class OutboxError(RuntimeError):
    """Messages could not be given sequence numbers."""


class OutboxMessage(Base):
    """One bot message for one person, in the order they are to see it."""

    __tablename__ = "channel_outbox"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq", name="uq_channel_outbox_seq"),
        sa.UniqueConstraint("conversation_id", "source_key", name="uq_channel_outbox_source"),
        sa.Index("ix_channel_outbox_unsent", "channel", "sent_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(sa.String(32), nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False)
    seq = sa.Column(sa.Integer, nullable=False)
    source_key = sa.Column(sa.String(200), nullable=True)
    # The Rasa bot message as JSON: text, buttons, custom, ...
    message = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # When the platform accepted it; the widget's rows are "sent" when stored
    # (the page asks for what it has not seen).
    sent_at = sa.Column(sa.DateTime(timezone=True), nullable=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)


@dataclass(frozen=True)
class Outgoing:
    """A stored bot message."""

    id: int
    seq: int
    message: Dict[str, Any]


def _outgoing(row: OutboxMessage) -> Outgoing:
    return Outgoing(int(row.id), int(row.seq), json.loads(row.message))


def _store(
    session: Session,
    channel: str,
    conversation_id: str,
    messages: Sequence[Mapping[str, Any]],
    source_keys: Sequence[Optional[str]],
    sent: bool,
) -> List[Outgoing]:
    """Add the messages not stored yet (by source key) after the conversation's newest seq."""
    keys = [key for key in source_keys if key is not None]
    existing: Dict[str, OutboxMessage] = {}
    if keys:
        rows = session.execute(
            sa.select(OutboxMessage).where(
                OutboxMessage.conversation_id == conversation_id, OutboxMessage.source_key.in_(keys)
            )
        ).scalars()
        existing = {str(row.source_key): row for row in rows}
    last = session.execute(
        sa.select(sa.func.max(OutboxMessage.seq)).where(OutboxMessage.conversation_id == conversation_id)
    ).scalar()
    seq = int(last or 0)
    stored: List[Outgoing] = []
    now = utcnow()
    for message, key in zip(messages, source_keys, strict=True):
        if key is not None and key in existing:
            stored.append(_outgoing(existing[key]))
            continue
        seq += 1
        row = OutboxMessage(
            channel=channel,
            conversation_id=conversation_id,
            seq=seq,
            source_key=key,
            message=json.dumps(dict(message), ensure_ascii=False),
            sent_at=now if sent else None,
        )
        session.add(row)
        session.flush()
        stored.append(_outgoing(row))
    return stored


def append(
    channel: str,
    conversation_id: str,
    messages: Sequence[Mapping[str, Any]],
    source_keys: Sequence[Optional[str]] | None = None,
    sent: bool = False,
    database_url: str | None = None,
) -> List[Outgoing]:
    """Store bot messages for a person; a message whose source key is stored already is not stored again."""
    keys = list(source_keys) if source_keys is not None else [None] * len(messages)
    sessions = sessions_for(database_url)
    for _ in range(_APPEND_ATTEMPTS):
        with sessions() as session:
            try:
                stored = _store(session, channel, conversation_id, messages, keys, sent)
                session.commit()
                return stored
            except IntegrityError:
                session.rollback()
    raise OutboxError(f"no free seq in conversation {conversation_id} after {_APPEND_ATTEMPTS} attempts")


def complete(
    item: Pending, messages: Sequence[Mapping[str, Any]], sent: bool = False, database_url: str | None = None
) -> List[Outgoing]:
    """Store a handled item's replies and mark it done, in one transaction."""
    keys = [f"inbox:{item.id}:{index}" for index in range(len(messages))]
    sessions = sessions_for(database_url)
    for _ in range(_APPEND_ATTEMPTS):
        with sessions() as session:
            try:
                stored = _store(session, item.channel, item.conversation_id, messages, keys, sent)
                # The text is not needed once handled (it is in the tracker): the row
                # stays only as the redelivery record.
                session.execute(
                    sa.update(InboxItem)
                    .where(InboxItem.id == item.id)
                    .values(status=Status.DONE.value, done_at=utcnow(), payload="{}")
                )
                session.commit()
                return stored
            except IntegrityError:
                session.rollback()
    raise OutboxError(f"no free seq in conversation {item.conversation_id} after {_APPEND_ATTEMPTS} attempts")


def after(conversation_id: str, seq: int, limit: int = 500, database_url: str | None = None) -> List[Outgoing]:
    """The conversation's messages with a seq above `seq`, oldest first, at most `limit`."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        rows = session.execute(
            sa.select(OutboxMessage)
            .where(OutboxMessage.conversation_id == conversation_id, OutboxMessage.seq > seq)
            .order_by(OutboxMessage.seq)
            .limit(limit)
        ).scalars()
        return [_outgoing(row) for row in rows]


def latest_seq(conversation_id: str, database_url: str | None = None) -> int:
    """The seq of the conversation's newest message, 0 if it has none."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        last = session.execute(
            sa.select(sa.func.max(OutboxMessage.seq)).where(OutboxMessage.conversation_id == conversation_id)
        ).scalar()
    return int(last or 0)


def unsent(conversation_id: str, database_url: str | None = None) -> List[Outgoing]:
    """The conversation's messages not sent yet, in order."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        rows = session.execute(
            sa.select(OutboxMessage)
            .where(OutboxMessage.conversation_id == conversation_id, OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.seq)
        ).scalars()
        return [_outgoing(row) for row in rows]


def conversations_with_unsent(channel: str, older_than: dt.datetime, database_url: str | None = None) -> List[str]:
    """Conversations of `channel` with a message stored before `older_than` and not sent yet."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        rows = session.execute(
            sa.select(OutboxMessage.conversation_id)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.created_at < older_than,
                OutboxMessage.attempts < MAX_SEND_ATTEMPTS,
            )
            .distinct()
        ).all()
    return [str(row.conversation_id) for row in rows]


def mark_sent(ids: Sequence[int], database_url: str | None = None) -> None:
    """Record that the platform accepted these messages."""
    if not ids:
        return
    sessions = sessions_for(database_url)
    with sessions() as session:
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).values(sent_at=utcnow()))
        session.commit()


def count_attempt(ids: Sequence[int], database_url: str | None = None) -> None:
    """Record a failed attempt to send these messages."""
    if not ids:
        return
    sessions = sessions_for(database_url)
    with sessions() as session:
        session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).values(attempts=OutboxMessage.attempts + 1)
        )
        session.commit()


def status_of(conversation_id: str, source_key: str, database_url: str | None = None) -> Optional[bool]:
    """Whether the message stored under `source_key` was sent; None if there is none."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        sent_at = session.execute(
            sa.select(OutboxMessage.sent_at).where(
                OutboxMessage.conversation_id == conversation_id, OutboxMessage.source_key == source_key
            )
        ).first()
    return None if sent_at is None else sent_at[0] is not None
