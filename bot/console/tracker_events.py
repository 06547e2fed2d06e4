"""A conversation's messages, read straight from Rasa's SQL tracker store.

The console used to fetch the whole tracker from Rasa's HTTP API every 2 s
for every open ticket page: 1.36 MB per poll for a 400-message conversation
(security review L12). Rasa's SQLTrackerStore keeps each event as a row of
the `events` table in Soba's own database (DESIGN.md: one database), so the
console reads only the rows it needs: messages (`type_name` user or bot),
after the last one it already has (the row id is the cursor), a page at a
time.

The table is Rasa's. It is described here, not registered with Soba's
schema, and only read; a database that Rasa never wrote to has none.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# Rasa's `SQLTrackerStore.SQLEvent` (rasa/core/tracker_store.py), the columns read here.
EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("data", sa.Text),
)
# Rasa's type names of UserUttered and BotUttered.
MESSAGE_TYPES = ("user", "bot")


@dataclass(frozen=True)
class StoredEvent:
    """One event row: its id (the cursor) and the event as Rasa wrote it ({} if unreadable)."""

    id: int
    event: Dict[str, Any]


def has_conversation(db: Session, sender_id: str) -> bool:
    """Whether the tracker store holds any event of `sender_id` (False if Rasa never wrote here)."""
    if not sa.inspect(db.connection()).has_table(EVENTS.name):
        return False
    query = sa.select(EVENTS.c.id).where(EVENTS.c.sender_id == sender_id).limit(1)
    return db.execute(query).first() is not None


def message_events(db: Session, sender_id: str, after: int, limit: Optional[int]) -> List[StoredEvent]:
    """The user and bot events of `sender_id` with ids above `after`, oldest first, at most `limit` (None: all)."""
    query = (
        sa.select(EVENTS.c.id, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(MESSAGE_TYPES), EVENTS.c.id > after)
        .order_by(EVENTS.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [StoredEvent(int(row_id), _event(row_id, data)) for row_id, data in db.execute(query)]


def _event(row_id: Any, data: Optional[str]) -> Dict[str, Any]:
    # An unreadable row still moves the cursor on: it becomes an event that shows nothing.
    try:
        event = json.loads(data or "")
    except ValueError:
        event = None
    if not isinstance(event, dict):
        logger.warning("Tracker event %s is not a JSON object; not shown.", row_id)
        return {}
    return event
