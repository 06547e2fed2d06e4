"""The one SQL database: engines and sessions.

SQLite by default (embedded, zero set-up), any SQLAlchemy URL by setting. Rasa's
SQL tracker store writes its `events` table into the same database. The schema
is Alembic's (bot/core/migrations): the first session factory of a process
brings the database up to date, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)

# How long a writer waits for another process's transaction before it fails.
# One value for every engine in every process, Rasa's tracker store included
# (security review M3: Rasa's own default was 5 s, Soba's 30 s).
# SOBA_DB_BUSY_TIMEOUT_MS overrides it (the fault tests wait less).
DEFAULT_BUSY_TIMEOUT_MS = 30_000


def busy_timeout_ms() -> int:
    """The busy timeout in milliseconds."""
    return int(os.environ.get("SOBA_DB_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or stayed locked; the work is kept for later."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database or an in-memory one."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def prepare_sqlite_file(path: Path) -> None:
    """Make the database's folder and file owner-only before SQLite opens them.

    The file holds every worker's conversation (security review M2). SQLite
    creates its -wal and -shm files with the database file's permissions. A
    folder made here is owner-only; an existing one is left as its owner set
    it (`soba run` makes `var/` owner-only itself).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(descriptor)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (the console, the widget's replay) go on while a turn
    # writes; NORMAL sync is durable in WAL mode against a process crash.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def configure_engine(engine: Engine) -> Engine:
    """Give an engine Soba's connection settings (SQLite: WAL and one busy timeout)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, an owner-only file in WAL mode that waits on locks."""
    path = sqlite_path(url)
    if path is not None:
        prepare_sqlite_file(path)
        # The busy timeout is also the driver's, so a lock held while
        # connecting is waited for too.
        engine = sa.create_engine(url, future=True, connect_args={"timeout": busy_timeout_ms() / 1000})
    elif url.startswith("sqlite"):
        engine = sa.create_engine(url, future=True)
    else:
        engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    return configure_engine(engine)


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker:
    """A session factory on an up-to-date schema; one engine per URL per process."""
    from bot.core.migrations.runner import upgrade

    engine = make_engine(url)
    upgrade(engine)
    logger.debug("Database ready: %r", engine.url)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def sessions_for(database_url: str | None = None) -> sessionmaker:
    """Sessions on `database_url`, or on the configured database when none is given."""
    from bot.settings import get_settings

    return session_factory(database_url or get_settings().database_url)
