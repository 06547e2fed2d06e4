"""Run an action on a tracker fixture and collect what it did."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Tuple

import sqlalchemy as sa
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.db import session_factory
from tests.conftest import load_tracker_state


def run_action(
    action: Action, fixture: str, change: Callable[[Dict[str, Any]], None] | None = None
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Run `action` on tests/data/trackers/<fixture>.json (edited by `change`); return (messages, events)."""
    state = load_tracker_state(fixture)
    if change:
        change(state)
    tracker = Tracker.from_dict(state)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def decisions(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The `custom` objects sent in a turn (the REST contract wants exactly one)."""
    return [message["custom"] for message in messages if message.get("custom")]


def all_text(messages: List[Dict[str, Any]]) -> str:
    """Every text the action sent, joined."""
    return "\n".join(message.get("text") or "" for message in messages)


def buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Every button the action offered."""
    return [button for message in messages for button in message.get("buttons") or []]


def topic_ranking(*ranking: Tuple[str, float]) -> Callable[[Dict[str, Any]], None]:
    """Edit a FAQ fixture so the model ranks these topics with these confidences."""

    def change(state: Dict[str, Any]) -> None:
        selector = state["latest_message"]["response_selector"]["faq"]
        selector["ranking"] = [{"confidence": c, "intent_response_key": f"faq/{t}"} for t, c in ranking]
        selector["response"].update(confidence=ranking[0][1], intent_response_key=f"faq/{ranking[0][0]}")

    return change


def tickets(url: str) -> List[Dict[str, Any]]:
    """Every ticket row in the database at `url`, oldest first."""
    session_factory(url)  # the schema, even where no action has written yet
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.text("SELECT * FROM tickets ORDER BY id")).mappings()]
