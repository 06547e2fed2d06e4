"""Rasa's SQL tracker store, made safe for Soba's database.

Configured in endpoints.yml as `type: bot.core.tracker_store.SobaTrackerStore`.
Three differences from Rasa's `SQLTrackerStore` (security review M3):

- its SQLite connections get Soba's pragmas (WAL, one 30-second busy timeout),
  not pysqlite's 5-second default;
- every query runs in a worker thread, so a locked database stalls one turn,
  not the whole server (the FAQ pages, other people's turns);
- an error is raised, never hidden: with `bot.rasa_patches` applied, Rasa no
  longer falls back to an empty in-memory tracker, which answered a person
  with an open ticket as a stranger and dropped their message. The channel
  keeps the message in its inbox and handles it when the database is back.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Iterable, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.db import configure_engine

logger = logging.getLogger(__name__)


class SobaTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with Soba's connection settings, off the event loop."""

    def __init__(self, domain: Optional[Domain] = None, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        # Connections made while Rasa created its table lack the pragmas: start afresh.
        self.engine.dispose()
        configure_engine(self.engine)
        self.sessionmaker.configure(bind=self.engine)

    async def keys(self) -> Iterable[str]:
        """The sender ids of all conversations."""
        return await asyncio.to_thread(self._keys)

    def _keys(self) -> Iterable[str]:
        with self.session_scope() as session:
            return [sender_id for (sender_id,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The tracker of the latest conversation session."""
        return await asyncio.to_thread(self._read, sender_id, False)

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        """The tracker with the events of every session."""
        return await asyncio.to_thread(self._read, conversation_id, True)

    def _read(self, sender_id: str, all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events (and stream them to the event broker, if any)."""
        await self.stream_events(tracker)
        await asyncio.to_thread(self._write, tracker)

    def _write(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
