"""The ticket store's database: SQLite always, PostgreSQL where it runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db import session_factory

POSTGRES_URL = os.environ.get("SOBA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
    else:
        if not postgres_available():
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
        url = POSTGRES_URL
    with session_factory(url)() as session:
        yield session
