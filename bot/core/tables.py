"""The declarative base every table registers on, and the clock its rows use.

Models import this module and nothing of `bot.db`, so `bot.db` can import the
models to create the schema without an import circle.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utcnow() -> dt.datetime:
    """Timezone-aware now, stored as UTC."""
    return dt.datetime.now(dt.timezone.utc)
