"""Every move of a ticket's life, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from bot.handoff import lifecycle
from bot.handoff.lifecycle import Event, TransitionError
from bot.handoff.models import Reason, Status, TicketMessage, TicketNote
from bot.handoff.tickets import find_open_ticket, open_ticket
from tests.handoff.test_tickets import request_for


def new_ticket(session: Session):  # type: ignore[no-untyped-def]
    ticket, _ = open_ticket(session, request_for(f"l-{uuid.uuid4()}", Reason.LOW_CONFIDENCE))
    return ticket


def test_open_assigned_waiting_and_back(session: Session) -> None:
    ticket = new_ticket(session)
    assert ticket.status == Status.OPEN.value

    lifecycle.assign(session, ticket, "tanaka")
    assert (ticket.status, ticket.assignee) == (Status.ASSIGNED.value, "tanaka")

    lifecycle.record_staff_reply(session, ticket, "tanaka", "お話を聞かせてください")
    assert ticket.status == Status.WAITING.value

    lifecycle.record_person_message(session, ticket, "はい、先月から払われていません", "ja", "unpaid_wages")
    assert ticket.status == Status.ASSIGNED.value
    authors = [m.author for m in session.query(TicketMessage).filter_by(ticket_id=ticket.id).order_by(TicketMessage.id)]
    assert authors == ["staff", "person"]


def test_a_person_writing_to_an_unassigned_ticket_leaves_it_open(session: Session) -> None:
    ticket = new_ticket(session)

    lifecycle.record_person_message(session, ticket, "まだですか", "ja", None)

    assert ticket.status == Status.OPEN.value


def test_a_staff_reply_to_an_unassigned_ticket_assigns_the_replier(session: Session) -> None:
    ticket = new_ticket(session)

    lifecycle.record_staff_reply(session, ticket, "suzuki", "担当の鈴木です")

    assert (ticket.status, ticket.assignee) == (Status.WAITING.value, "suzuki")


def test_close_and_reopen(session: Session) -> None:
    ticket = new_ticket(session)
    ticket.acknowledged = True
    lifecycle.assign(session, ticket, "tanaka")

    lifecycle.close(session, ticket, "staff:tanaka")

    assert ticket.status == Status.CLOSED.value and ticket.closed_at is not None
    assert find_open_ticket(session, ticket.sender_id) is None
    lifecycle.reopen(session, ticket)
    assert ticket.status == Status.ASSIGNED.value and ticket.closed_at is None and not ticket.acknowledged
    assert find_open_ticket(session, ticket.sender_id).id == ticket.id


@pytest.mark.parametrize("event", [Event.ASSIGN, Event.STAFF_REPLY, Event.PERSON_WRITES, Event.CLOSE])
def test_a_closed_ticket_only_reopens(session: Session, event: Event) -> None:
    ticket = new_ticket(session)
    lifecycle.close(session, ticket, "person")

    with pytest.raises(TransitionError):
        lifecycle.transition(ticket, event)
    assert ticket.status == Status.CLOSED.value


def test_an_open_ticket_cannot_be_reopened(session: Session) -> None:
    with pytest.raises(TransitionError):
        lifecycle.transition(new_ticket(session), Event.REOPEN)


def test_notes_are_kept_and_need_text(session: Session) -> None:
    ticket = new_ticket(session)

    lifecycle.add_note(session, ticket, "tanaka", "会社名は控えた")

    assert [n.text for n in session.query(TicketNote).filter_by(ticket_id=ticket.id)] == ["会社名は控えた"]
    with pytest.raises(ValueError):
        lifecycle.add_note(session, ticket, "tanaka", "   ")
