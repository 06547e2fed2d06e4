"""Bring a database up to the newest schema, on SQLite and PostgreSQL alike.

`upgrade(engine)` is called by the first session factory of every process,
so `soba run`, a lone console or action server, and the tests all find the
schema current. A database made before Soba used Alembic (the 2026-12
release) has no `alembic_version` table: the first migration creates only the
tables that are missing, so such a database is upgraded in place, its
conversations and tickets kept.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Several servers may start at once on one PostgreSQL database: one migrates,
# the others wait for it (a transaction-scoped advisory lock).
_PG_LOCK_KEY = 0x50BA


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS_DIR}")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (the newest by default); a no-op when it is there."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        before = current_revision(connection)
        if revision == "head" and before == head_revision():
            return
        command.upgrade(_config(connection), revision)
        logger.info("Database schema migrated from %s to %s.", before or "nothing", current_revision(connection))
