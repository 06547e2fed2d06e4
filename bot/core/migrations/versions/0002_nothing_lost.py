"""Nothing lost, no one in: namespaced conversations, the durable inbox and the outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

- Every conversation id becomes `<channel>:<platform id>` (security review
  H1), in Rasa's `events`, `tickets` and `feedback`. A conversation's channel
  is its latest user message's `input_channel`; one with none is `rest`.
- `channel_inbox` (messages stored before they are acknowledged) replaces
  `channel_events`: the old redelivery records become done items.
- `channel_outbox` (every bot message, sent or to send) replaces
  `widget_outbox`, whose rows keep their seq.
- `ticket_messages.source_key` makes recording a message idempotent (a
  replayed turn or a retried reply is recorded once); `tickets.origin` is the
  pseudonymous network address, for the per-address ticket limit.
"""

from __future__ import annotations

import json
from typing import Dict

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KNOWN_CHANNELS = ("rest", "line", "telegram", "web")
DEFAULT_CHANNEL = "rest"


def _channels_of_conversations(connection: sa.engine.Connection) -> Dict[str, str]:
    """Each sender id's channel: its latest user message's input_channel."""
    channels: Dict[str, str] = {}
    rows = connection.execute(sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id"))
    for sender_id, data in rows:
        try:
            channel = (json.loads(data or "{}") or {}).get("input_channel")
        except ValueError:
            channel = None
        if isinstance(channel, str) and channel and ":" not in channel:
            channels[sender_id] = channel
    senders = connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars()
    for sender_id in senders:
        channels.setdefault(sender_id, DEFAULT_CHANNEL)
    return channels


def _namespace(connection: sa.engine.Connection) -> Dict[str, str]:
    """Rename every conversation; returns old id → new id."""
    renamed = {sender: f"{channel}:{sender}" for sender, channel in _channels_of_conversations(connection).items()}
    for old, new in renamed.items():
        connection.execute(
            sa.text("UPDATE events SET sender_id = :new WHERE sender_id = :old"), {"new": new, "old": old}
        )
    tickets = connection.execute(sa.text("SELECT id, sender_id, channel FROM tickets")).all()
    for ticket_id, sender, channel in tickets:
        new = renamed.get(sender) or f"{channel if channel in KNOWN_CHANNELS else DEFAULT_CHANNEL}:{sender}"
        connection.execute(sa.text("UPDATE tickets SET sender_id = :new WHERE id = :id"), {"new": new, "id": ticket_id})
    for sender in connection.execute(sa.text("SELECT DISTINCT sender_id FROM feedback")).scalars().all():
        new = renamed.get(sender) or f"{DEFAULT_CHANNEL}:{sender}"
        connection.execute(
            sa.text("UPDATE feedback SET sender_id = :new WHERE sender_id = :old"), {"new": new, "old": sender}
        )
    return renamed


def upgrade() -> None:
    connection = op.get_bind()
    op.create_table(
        "channel_inbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("channel", "event_key", name="uq_channel_inbox_event"),
    )
    op.create_index("ix_channel_inbox_conversation_status", "channel_inbox", ["conversation_id", "status"])
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("source_key", sa.String(200), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_channel_outbox_seq"),
        sa.UniqueConstraint("conversation_id", "source_key", name="uq_channel_outbox_source"),
    )
    op.create_index("ix_channel_outbox_unsent", "channel_outbox", ["channel", "sent_at"])

    _namespace(connection)

    # The widget's messages keep their seq: a page that saw seq 3 is sent seq 4 next.
    connection.execute(
        sa.text(
            "INSERT INTO channel_outbox (channel, conversation_id, seq, source_key, message, created_at, sent_at,"
            " attempts) SELECT 'web', 'web:' || session_id, seq, NULL, message, created_at, created_at, 0"
            " FROM widget_outbox"
        )
    )
    # Old redelivery records stay redelivery records: done items with nothing to handle.
    connection.execute(
        sa.text(
            "INSERT INTO channel_inbox (channel, event_key, conversation_id, payload, status, attempts, received_at,"
            " done_at) SELECT channel, event_id, '', '{}', 'done', 0, received_at, received_at FROM channel_events"
        )
    )
    op.drop_table("widget_outbox")
    op.drop_table("channel_events")

    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("source_key", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_ticket_messages_source", ["ticket_id", "source_key"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("origin", sa.String(32), nullable=True))
        batch.create_index("ix_tickets_origin", ["origin"])


def downgrade() -> None:
    raise NotImplementedError("conversation ids cannot be un-namespaced safely; restore a backup instead")
