"""Ticket store on real databases: SQLite always, PostgreSQL where it runs."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import session_factory
from bot.handoff.models import Reason
from bot.handoff.tickets import TicketRequest, find_open_ticket, open_ticket

POSTGRES_URL = os.environ.get("SOBA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest, tmp_path) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
    else:
        if not postgres_available():
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
        url = POSTGRES_URL
    with session_factory(url)() as session:
        yield session


def request_for(sender: str, reason: Reason) -> TicketRequest:
    return TicketRequest(
        sender_id=sender,
        channel="rest",
        language="ja",
        reason=reason,
        transcript=[{"role": "user", "text": "残業代が払われません", "timestamp": 1.0}],
        guesses=[{"topic": "overtime_pay", "confidence": 0.41}],
    )


def test_a_ticket_keeps_transcript_guesses_and_priority(session: Session) -> None:
    sender = f"t-{uuid.uuid4()}"

    ticket, created = open_ticket(session, request_for(sender, Reason.LOW_CONFIDENCE))

    assert created
    stored = find_open_ticket(session, sender)
    assert stored is not None and stored.id == ticket.id
    assert stored.transcript[0]["text"] == "残業代が払われません"
    assert stored.guesses == [{"topic": "overtime_pay", "confidence": 0.41}]
    assert stored.priority == "normal"


def test_one_open_ticket_per_conversation_escalated_by_crisis(session: Session) -> None:
    sender = f"t-{uuid.uuid4()}"
    first, _ = open_ticket(session, request_for(sender, Reason.REQUEST_HUMAN))

    second, created = open_ticket(session, request_for(sender, Reason.CRISIS))
    third, _ = open_ticket(session, request_for(sender, Reason.REQUEST_HUMAN))

    assert not created and first.id == second.id == third.id
    assert third.priority == "urgent"
