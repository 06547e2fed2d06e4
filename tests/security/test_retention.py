"""Retention (security review L8): personal data past its days is deleted or anonymised; deletion on request.

The database is the release dump (real conversations, tickets, notes,
feedback, widget messages and redelivery records, upgraded by the
migrations), with its clock moved: `purge` runs as if it were a year and a
week later.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, List

import pytest
import sqlalchemy as sa

from bot.db import session_factory
from bot.retention import PURGED, forget_conversation, purge
from bot.settings import load_settings
from tests.core.test_migrations import release_database


def rows(url: str, query: str, **params: Any) -> List[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(query), params))
    finally:
        engine.dispose()


@pytest.fixture
def release(tmp_path: Path) -> str:
    url = release_database(tmp_path / "release.db")
    session_factory(url)
    return url


def test_l8_nothing_younger_than_the_retention_days_is_touched(release: str) -> None:
    settings = load_settings(env={"SOBA_DATABASE_URL": release})
    before = {table: rows(release, f"SELECT count(*) FROM {table}")[0][0] for table in ("events", "ticket_messages")}

    report = purge(settings)

    assert sum(report.counts.values()) == 0, report
    assert {table: rows(release, f"SELECT count(*) FROM {table}")[0][0] for table in before} == before


def test_l8_a_year_later_closed_conversations_are_gone_and_tickets_keep_only_statistics(release: str) -> None:
    settings = load_settings(env={"SOBA_DATABASE_URL": release})
    # Close every ticket a year and a day ago, as a counselor would have.
    closed_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=settings.retention.personal_data_days + 1)
    engine = sa.create_engine(release)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE tickets SET status = 'closed', closed_at = :t"), {"t": closed_at})
    engine.dispose()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=settings.retention.personal_data_days + 7)

    report = purge(settings, now=later)

    assert rows(release, "SELECT count(*) FROM events")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM ticket_messages")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM ticket_notes")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM channel_outbox")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM channel_inbox")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM channel_payloads")[0][0] == 0
    tickets = rows(release, "SELECT sender_id, transcript, language, reason, guesses FROM tickets")
    assert len(tickets) == 4
    assert all(t.sender_id.startswith(f"{PURGED}:") and json.loads(t.transcript) == [] for t in tickets)
    assert {t.reason for t in tickets} == {"request_human", "crisis"}  # the statistics stay
    assert rows(release, "SELECT sender_id FROM feedback") == [(PURGED,)]
    assert rows(release, "SELECT count(*) FROM audit_log WHERE ip IS NOT NULL OR details != ''")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM audit_log")[0][0] > 0  # who did what stays
    assert report.counts["conversation events"] > 0


def test_l8_a_conversation_with_an_open_ticket_is_kept_however_old(release: str) -> None:
    settings = load_settings(env={"SOBA_DATABASE_URL": release})
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=settings.retention.personal_data_days + 7)

    purge(settings, now=later)

    open_people = {row.sender_id for row in rows(release, "SELECT sender_id FROM tickets WHERE status != 'closed'")}
    kept = {row.sender_id for row in rows(release, "SELECT DISTINCT sender_id FROM events")}
    assert open_people and open_people <= kept
    assert rows(release, "SELECT count(*) FROM ticket_messages")[0][0] > 0


def test_l8_a_person_asking_to_be_forgotten_is_deleted_at_once(release: str) -> None:
    person = "rest:rest-human"

    forget_conversation(person, release)

    assert rows(release, "SELECT count(*) FROM events WHERE sender_id = :s", s=person)[0][0] == 0
    [ticket] = rows(release, "SELECT sender_id, status, transcript FROM tickets WHERE id = 1")
    assert ticket.sender_id == f"{PURGED}:1" and ticket.status == "closed" and json.loads(ticket.transcript) == []
    assert rows(release, "SELECT count(*) FROM ticket_messages WHERE ticket_id = 1")[0][0] == 0
    assert rows(release, "SELECT count(*) FROM ticket_notes WHERE ticket_id = 1")[0][0] == 0
    # Everyone else is untouched.
    assert rows(release, "SELECT count(*) FROM events WHERE sender_id = 'rest:rest-crisis'")[0][0] > 0


def test_l8_soba_purge_is_a_command(release: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from bot import cli
    from bot.settings import get_settings

    monkeypatch.setenv("SOBA_DATABASE_URL", release)
    get_settings.cache_clear()
    try:
        assert cli.main(["purge"]) == 0
    finally:
        get_settings.cache_clear()
    assert "Purged personal data older than 365 days" in capsys.readouterr().out
