"""A person's right to be forgotten, from the console: admins only, confirmed, audited (security review L8)."""

from __future__ import annotations

import requests

from tests.console.conftest import Console, new_ticket, rows


def test_l8_an_admin_deletes_a_persons_conversation_at_their_request(console: Console) -> None:
    ticket_id = new_ticket(console, text="名前は山田花子、電話は090-1234-5678")
    [before] = rows(console, "SELECT sender_id FROM tickets WHERE id = :t", t=ticket_id)
    admin = console.login("suzuki")

    unconfirmed = console.post_form(admin, f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/forget", {})
    assert unconfirmed.status_code == 400
    assert rows(console, "SELECT sender_id FROM tickets WHERE id = :t", t=ticket_id)[0].sender_id == before.sender_id

    done = console.post_form(admin, f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/forget", {"confirm": "yes"})

    assert done.status_code == 303
    [ticket] = rows(console, "SELECT sender_id, status, transcript FROM tickets WHERE id = :t", t=ticket_id)
    assert ticket.sender_id == f"purged:{ticket_id}" and ticket.status == "closed" and ticket.transcript == "[]"
    [entry] = rows(
        console, "SELECT staff, action FROM audit_log WHERE ticket_id = :t AND action = 'forget_person'", t=ticket_id
    )
    assert entry.staff == "suzuki"


def test_l8_a_counselor_cannot_delete_a_conversation(console: Console, counselor: requests.Session) -> None:
    ticket_id = new_ticket(console)
    [before] = rows(console, "SELECT sender_id FROM tickets WHERE id = :t", t=ticket_id)

    refused = console.post_form(counselor, f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/forget", {"confirm": "yes"})

    assert refused.status_code == 403
    assert rows(console, "SELECT sender_id FROM tickets WHERE id = :t", t=ticket_id)[0].sender_id == before.sender_id
