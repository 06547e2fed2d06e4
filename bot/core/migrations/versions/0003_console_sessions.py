"""The console's server-side sessions, offices for staff, and known browsers in the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

- `console_sessions`: one row per signed-in browser, so logout, deactivation
  and a password reset end sessions at once (security review M8);
- `staff.office`: a counselor's office, for optional per-office access (L10);
- `audit_log.device`: a keyed hash of a browser's known-device cookie, so the
  login throttle counts that browser's own failures (M6).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("office", sa.String(64), nullable=True))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("device", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("device")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("office")
    op.drop_table("console_sessions")
