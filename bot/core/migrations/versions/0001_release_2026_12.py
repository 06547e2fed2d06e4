"""The schema of the 2026-12 release, the last one before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-07

Only tables that do not exist are created, so a database that release made
(it has all of them, and no `alembic_version`) is adopted as it is. `events`
is Rasa's SQL tracker store table, defined here exactly as Rasa 3.6 makes it,
so that later migrations can index and rewrite it.
"""

from __future__ import annotations

from typing import Callable, Dict

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _channel_payloads() -> None:
    op.create_table(
        "channel_payloads",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _channel_events() -> None:
    op.create_table(
        "channel_events",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def _widget_outbox() -> None:
    op.create_table(
        "widget_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "seq", name="uq_widget_outbox_session_seq"),
    )


def _staff() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("staff", sa.String(64), nullable=True, index=True),
        sa.Column("action", sa.String(32), nullable=False, index=True),
        sa.Column("ticket_id", sa.Integer, nullable=True, index=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
    )


def _feedback() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("topic", sa.String(100), nullable=True),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("guesses", sa.JSON, nullable=False),
        sa.Column("office", sa.String(64), nullable=True, index=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True, index=True),
        sa.Column("acknowledged", sa.Boolean, nullable=False),
        sa.Column("closed_by", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )


def _ticket_messages() -> None:
    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("staff", sa.String(64), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("topic_guess", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _ticket_notes() -> None:
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, sa.Sequence("events_seq"), primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )


# In dependency order (ticket_messages and ticket_notes refer to tickets).
_TABLES: Dict[str, Callable[[], None]] = {
    "channel_payloads": _channel_payloads,
    "channel_events": _channel_events,
    "widget_outbox": _widget_outbox,
    "staff": _staff,
    "audit_log": _audit_log,
    "feedback": _feedback,
    "tickets": _tickets,
    "ticket_messages": _ticket_messages,
    "ticket_notes": _ticket_notes,
    "events": _events,
}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in _TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    raise NotImplementedError("the release schema is the oldest Soba supports")
