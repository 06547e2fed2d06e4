"""The schema is Alembic's: a database from the last release is upgraded with nothing lost.

`tests/data/databases/release-2026-12-07.sqlite.sql` is a dump of a database
that the 2026-12-07 release (commit 8c09283, before migrations) wrote through
its real servers: REST, LINE, Telegram and widget conversations, two tickets
with messages and a note, a staff account, feedback, widget outbox rows and
webhook redelivery records (`make_release_db.py` beside it made it).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.core.migrations.runner import current_revision, head_revision, upgrade
from bot.db import make_engine, session_factory
from bot.schema import metadata

RELEASE_DUMP = Path(__file__).parents[1] / "data" / "databases" / "release-2026-12-07.sqlite.sql"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
RELEASE_TABLES = (
    "channel_payloads",
    "channel_events",
    "widget_outbox",
    "staff",
    "audit_log",
    "feedback",
    "tickets",
    "ticket_messages",
    "ticket_notes",
    "events",
)


def release_database(path: Path) -> str:
    """A SQLite file holding the release's database."""
    connection = sqlite3.connect(path)
    connection.executescript(RELEASE_DUMP.read_text(encoding="utf-8"))
    connection.close()
    return f"sqlite:///{path}"


def rows(url: str, query: str) -> List[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def check_nothing_lost(url: str) -> None:
    """What the release stored is all there, under namespaced conversation ids."""
    assert rows(url, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    senders = {sender for (sender,) in rows(url, "SELECT DISTINCT sender_id FROM events")}
    assert senders == {
        "rest:rest-answer",
        "rest:rest-en",
        "rest:rest-human",
        "rest:rest-crisis",
        "rest:rest-feedback",
        "line:Ua1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
        "telegram:424242",
        "web:5f0c2b8e-8d5e-4c1b-9a3e-2f1e0d9c8b7a",
    }
    assert rows(url, "SELECT count(*) FROM events") == [(RELEASE_COUNTS["events"],)]
    assert rows(url, "SELECT id, sender_id, channel, status FROM tickets ORDER BY id") == [
        (1, "rest:rest-human", "rest", "waiting"),
        (2, "rest:rest-crisis", "rest", "open"),
        (3, "line:Ua1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "line", "open"),
        (4, "telegram:424242", "telegram", "open"),
    ]
    messages = rows(url, "SELECT ticket_id, author, text FROM ticket_messages ORDER BY id")
    assert (1, "person", "上司の名前は佐藤です。電話は090-1234-5678") in messages
    assert (1, "staff", "田中です。詳しく教えてください。") in messages
    assert rows(url, "SELECT ticket_id, text FROM ticket_notes") == [(1, "電話希望。夕方以降。")]
    assert rows(url, "SELECT login, role FROM staff") == [("tanaka", "counselor")]
    assert rows(url, "SELECT sender_id, topic FROM feedback") == [("rest:rest-feedback", "overtime_pay")]
    outbox = rows(url, "SELECT conversation_id, seq, message FROM channel_outbox ORDER BY id")
    assert len(outbox) == RELEASE_COUNTS["widget_outbox"]
    assert {conversation for conversation, _, _ in outbox} == {
        "web:5f0c2b8e-8d5e-4c1b-9a3e-2f1e0d9c8b7a",
        "web:0b6f1d3e-1c2a-4f5e-8a9b-0c1d2e3f4a5b",
    }
    assert ("web:0b6f1d3e-1c2a-4f5e-8a9b-0c1d2e3f4a5b", 1) in {(c, s) for c, s, _ in outbox}
    assert all(json.loads(message) for _, _, message in outbox)
    records = rows(url, "SELECT channel, event_key, status FROM channel_inbox ORDER BY id")
    assert len(records) == RELEASE_COUNTS["channel_events"]
    assert ("line", "01HRELEASELINE00000000001", "done") in records
    assert ("web", "5f0c2b8e-8d5e-4c1b-9a3e-2f1e0d9c8b7a/w1", "done") in records
    assert rows(url, "SELECT count(*) FROM channel_payloads") == [(RELEASE_COUNTS["channel_payloads"],)]
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert "widget_outbox" not in tables and "channel_events" not in tables


def release_counts() -> Dict[str, int]:
    connection = sqlite3.connect(":memory:")
    connection.executescript(RELEASE_DUMP.read_text(encoding="utf-8"))
    counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in RELEASE_TABLES}
    connection.close()
    return counts


RELEASE_COUNTS = release_counts()


def test_the_release_dump_has_every_kind_of_data() -> None:
    assert all(RELEASE_COUNTS[table] > 0 for table in RELEASE_TABLES), RELEASE_COUNTS


def test_a_release_database_is_upgraded_on_sqlite_with_nothing_lost(tmp_path: Path) -> None:
    url = release_database(tmp_path / "release.db")
    session_factory(url)  # what every Soba process does first
    check_nothing_lost(url)


def test_the_upgraded_conversation_is_read_by_the_tracker_store(tmp_path: Path) -> None:
    from rasa.shared.core.domain import Domain

    from bot.core.tracker_store import SobaTrackerStore

    url = release_database(tmp_path / "release.db")
    session_factory(url)
    store = SobaTrackerStore(Domain.load("domain.yml"), host=url)
    import asyncio

    tracker = asyncio.run(store.retrieve("rest:rest-human"))
    assert tracker is not None
    assert tracker.get_slot("handoff_active") is True
    assert [e.text for e in tracker.events if e.type_name == "user"][0] == "人と話したい"


def test_a_fresh_database_gets_the_same_schema_as_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        differences = compare_metadata(MigrationContext.configure(connection), metadata())
    # Rasa's own `events` table is not a Soba model.
    differences = [d for d in differences if not (d[0] == "remove_table" and d[1].name == "events")]
    differences = [d for d in differences if not (d[0] == "remove_index" and d[1].table.name == "events")]
    assert differences == []


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = release_database(tmp_path / "release.db")
    engine = make_engine(url)
    upgrade(engine)
    before = rows(url, "SELECT count(*) FROM events")
    upgrade(engine)
    assert rows(url, "SELECT count(*) FROM events") == before


def _postgres_or_skip() -> sa.engine.Engine:
    engine = sa.create_engine(POSTGRES_URL, future=True)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    return engine


def test_a_release_database_is_upgraded_on_postgresql_with_nothing_lost(tmp_path: Path) -> None:
    """The same release data, written into PostgreSQL at the release schema, then upgraded."""
    admin = _postgres_or_skip()
    schema_db = "soba_release_upgrade"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {schema_db}"))
        connection.execute(sa.text(f"CREATE DATABASE {schema_db}"))
    admin.dispose()
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{schema_db}"
    engine = make_engine(url)
    upgrade(engine, "0001")  # the release's schema, as the release made it
    source = sa.create_engine(release_database(tmp_path / "release.db"))
    reflected = sa.MetaData()
    reflected.reflect(bind=engine)
    with source.connect() as read, engine.begin() as write:
        for table in RELEASE_TABLES:
            data = [dict(row._mapping) for row in read.execute(sa.text(f"SELECT * FROM {table}"))]
            for row in data:
                for column in ("active", "helpful", "acknowledged"):
                    if column in row:
                        row[column] = bool(row[column])
                for column in ("transcript", "guesses"):
                    if column in row and isinstance(row[column], str):
                        row[column] = json.loads(row[column])
            if data:
                write.execute(reflected.tables[table].insert(), data)
        for table in ("tickets", "ticket_messages", "ticket_notes", "events", "audit_log", "feedback", "staff"):
            write.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    source.dispose()
    upgrade(engine)
    engine.dispose()
    check_nothing_lost(url)
