"""The languages each counselor reads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

- `staff.languages`: the language codes a person reads, comma-separated
  (settings.yml `languages`); existing accounts read Japanese.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("languages", sa.String(200), nullable=False, server_default="ja"))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("languages")
