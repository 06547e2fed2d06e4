"""Run an action on a tracker fixture and collect what it did."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.conftest import load_tracker_state


def run_action(action: Action, fixture: str) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Run `action` on tests/data/trackers/<fixture>.json; return (messages, events)."""
    tracker = Tracker.from_dict(load_tracker_state(fixture))
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def decisions(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The `custom` objects sent in a turn (the REST contract wants exactly one)."""
    return [message["custom"] for message in messages if message.get("custom")]


def all_text(messages: List[Dict[str, Any]]) -> str:
    """Every text the action sent, joined."""
    return "\n".join(message.get("text") or "" for message in messages)
