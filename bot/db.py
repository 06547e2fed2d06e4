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
    import bot.channels.seen_events  # noqa: F401
    import bot.feedback  # noqa: F401
    import bot.handoff.models  # noqa: F401

    Base.metadata.create_all(engine)


@lru_cache(maxsize=4)
def session_factory(url: str) -> sessionmaker:
    """A session factory bound to a ready schema; one engine per URL per process."""
    engine = make_engine(url)
    create_schema(engine)
    logger.debug("Database ready: %r", engine.url)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)
