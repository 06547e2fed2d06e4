"""The one SQL database: engine factory and schema creation.

SQLite by default (embedded, zero set-up), any SQLAlchemy URL by setting. Rasa's
SQL tracker store writes its `events` table into the same database.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.core.tables import Base

logger = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make its folder and wait on locks, not fail.

    The Rasa server and the action server write the same SQLite file, so a
    writer must wait for the other's transaction (busy timeout) instead of
    raising "database is locked".
    """
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 30})
    else:
        engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    return engine


def create_schema(engine: Engine) -> None:
    """Create Soba's tables if they do not exist (idempotent)."""
    # Importing the models registers their tables on Base.metadata.
    import bot.channels.payloads  # noqa: F401
    import bot.channels.seen_events  # noqa: F401
    import bot.channels.web_outbox  # noqa: F401
    import bot.console.models  # noqa: F401
    import bot.feedback  # noqa: F401
    import bot.handoff.models  # noqa: F401

    Base.metadata.create_all(engine)
    _add_missing_columns(engine)


def _add_missing_columns(engine: Engine) -> None:
    """Add columns that newer code defines to tables an older Soba created.

    Soba's schema only ever grows by nullable or defaulted columns, so an
    existing database (with its tickets and conversations) is brought up to
    date in place at start, without a migration tool.
    """
    inspector = sa.inspect(engine)
    existing_tables = set(inspector.get_table_names())
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                column_type = column.type.compile(dialect=engine.dialect)
                default = ""
                if column.default is not None and getattr(column.default, "is_scalar", False):
                    literal = sa.literal(column.default.arg, column.type)
                    rendered = literal.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
                    default = f" DEFAULT {rendered}"
                statement = f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {column_type}{default}'
                connection.execute(sa.text(statement))
                logger.info("Added column %s.%s to the existing database.", table.name, column.name)


@lru_cache(maxsize=4)
def session_factory(url: str) -> sessionmaker:
    """A session factory bound to a ready schema; one engine per URL per process."""
    engine = make_engine(url)
    create_schema(engine)
    logger.debug("Database ready: %r", engine.url)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def sessions_for(database_url: str | None = None) -> sessionmaker:
    """Sessions on `database_url`, or on the configured database when none is given."""
    from bot.settings import get_settings

    return session_factory(database_url or get_settings().database_url)
