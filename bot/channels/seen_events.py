"""Webhook events already handled, so a platform's redelivery is processed once.

LINE redelivers an event (same `webhookEventId`) when it did not get a 200
in time, and Telegram retries an update (same `update_id`). The record is in
the SQL database, so it holds across restarts and across several Rasa servers.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.core.tables import Base, utcnow
from bot.db import sessions_for


class SeenEvent(Base):
    """One webhook event a channel has accepted."""

    __tablename__ = "channel_events"

    channel = sa.Column(sa.String(32), primary_key=True)
    event_id = sa.Column(sa.String(128), primary_key=True)
    received_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


def first_delivery(channel: str, event_id: str, database_url: str | None = None) -> bool:
    """Record `event_id` for `channel`; False if it was recorded before (a redelivery)."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        session.add(SeenEvent(channel=channel, event_id=event_id))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def forget_before(cutoff: dt.datetime, database_url: str | None = None) -> int:
    """Drop records older than `cutoff` (platforms stop redelivering after a day); returns how many."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        deleted = session.execute(sa.delete(SeenEvent).where(SeenEvent.received_at < cutoff)).rowcount
        session.commit()
    return int(deleted or 0)
