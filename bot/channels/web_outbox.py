"""The web widget's delivery record: every bot message per session, and the client messages already taken.

A browser tab loses its socket whenever the network drops or the page
reloads, and a counselor's reply may come hours after the person left. So
every bot message for a widget session is first written here with a
per-session increasing `seq`; the widget says which `seq` it saw last and is
sent the rest. The client's message ids are recorded too, so a message the
widget sends again after a drop (because it never saw the ack) runs one turn,
not two. Both live in the project's SQL database, so they hold across
restarts and across several Rasa servers.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.channels.seen_events import first_delivery
from bot.core.tables import Base, utcnow
from bot.db import sessions_for

# Two Rasa servers may write the same session at once; the loser of a seq retries.
_APPEND_ATTEMPTS = 5


class WidgetOutboxError(RuntimeError):
    """A bot message could not be given a sequence number."""


class WidgetMessage(Base):
    """One bot message for a widget session, in the order the person is to see it."""

    __tablename__ = "widget_outbox"
    __table_args__ = (sa.UniqueConstraint("session_id", "seq", name="uq_widget_outbox_session_seq"),)

    id = sa.Column(sa.Integer, primary_key=True)
    session_id = sa.Column(sa.String(64), nullable=False, index=True)
    seq = sa.Column(sa.Integer, nullable=False)
    # The Rasa bot message as JSON: text, buttons, custom, ...
    message = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


# Client message ids already taken are kept with the other channels' webhook
# events (bot/channels/seen_events.py), under this channel name.
CHANNEL_EVENTS_NAME = "web"


def append(session_id: str, message: Mapping[str, Any], database_url: str | None = None) -> int:
    """Store a bot message for `session_id`; returns its seq (1, 2, 3, ... per session)."""
    body = json.dumps(dict(message), ensure_ascii=False)
    sessions = sessions_for(database_url)
    for _ in range(_APPEND_ATTEMPTS):
        with sessions() as session:
            last = session.execute(
                sa.select(sa.func.max(WidgetMessage.seq)).where(WidgetMessage.session_id == session_id)
            ).scalar()
            seq = int(last or 0) + 1
            session.add(WidgetMessage(session_id=session_id, seq=seq, message=body))
            try:
                session.commit()
                return seq
            except IntegrityError:
                session.rollback()
    raise WidgetOutboxError(f"no free seq for widget session {session_id} after {_APPEND_ATTEMPTS} attempts")


def after(
    session_id: str, seq: int, limit: int = 500, database_url: str | None = None
) -> List[Tuple[int, Dict[str, Any]]]:
    """The session's bot messages with a seq above `seq`, oldest first, at most `limit`."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        rows = session.execute(
            sa.select(WidgetMessage.seq, WidgetMessage.message)
            .where(WidgetMessage.session_id == session_id, WidgetMessage.seq > seq)
            .order_by(WidgetMessage.seq)
            .limit(limit)
        ).all()
    return [(int(row.seq), json.loads(row.message)) for row in rows]


def latest_seq(session_id: str, database_url: str | None = None) -> int:
    """The seq of the session's newest bot message, 0 if it has none."""
    sessions = sessions_for(database_url)
    with sessions() as session:
        last = session.execute(
            sa.select(sa.func.max(WidgetMessage.seq)).where(WidgetMessage.session_id == session_id)
        ).scalar()
    return int(last or 0)


def first_receipt(session_id: str, message_id: str, database_url: str | None = None) -> bool:
    """Record a client message id; False if it was taken before (the widget sent it again)."""
    return first_delivery(CHANNEL_EVENTS_NAME, f"{session_id}/{message_id}", database_url)
