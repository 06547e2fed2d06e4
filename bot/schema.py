"""Every table Soba keeps, in one place: the composition root of the schema.

The database module knows no feature (the layers point down); the schema is
created and changed by the migrations in `bot/core/migrations`. This module
imports each feature's models, so tests can check that the migrations and the
models agree, and that retention covers every table with personal data.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.core.tables import Base


def metadata() -> sa.MetaData:
    """The metadata of every Soba model (not Rasa's `events`)."""
    import bot.channels.inbox  # noqa: F401
    import bot.channels.outbox  # noqa: F401
    import bot.channels.payloads  # noqa: F401
    import bot.console.models  # noqa: F401
    import bot.feedback  # noqa: F401
    import bot.handoff.models  # noqa: F401

    return Base.metadata
