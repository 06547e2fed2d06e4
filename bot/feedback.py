"""👍/👎 clicks on answers, kept for the trainer's review queue."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.tables import Base, utcnow


class Feedback(Base):
    """One click on 👍 or 👎 (or a typed judgement) about an answered topic."""

    __tablename__ = "feedback"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    topic = sa.Column(sa.String(100), nullable=True)
    helpful = sa.Column(sa.Boolean, nullable=False)
    language = sa.Column(sa.String(16), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


def record_feedback(session: Session, sender_id: str, topic: str | None, helpful: bool, language: str) -> Feedback:
    """Store one feedback click and commit."""
    row = Feedback(sender_id=sender_id, topic=topic, helpful=helpful, language=language)
    session.add(row)
    session.commit()
    return row
