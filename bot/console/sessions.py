"""Server-side console sessions: the cookie carries a random id, the database says whose it is.

A signed cookie alone cannot be revoked: a copy taken before logout stayed
valid until it expired (review finding M8). Here logging out deletes the
session's row, so that copy signs nobody in any more, and `soba staff
deactivate` / `reset-password` delete every row of the account at once.
Logout ends only the browser's own session: a counselor signed in at the
office and at home who logs out at home is still signed in at the office.

The cookie reveals nothing about who is signed in (finding L9), and the table
keeps only a SHA-256 of each id, so reading the database signs nobody in.
Several console processes on one database share the sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console.models import ConsoleSession
from bot.core.tables import utcnow

# 256 random bits: not guessable, whatever the number of sessions.
SESSION_ID_BYTES = 32


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; Soba stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def open_session(db: Session, login: str, max_age: dt.timedelta, now: Optional[dt.datetime] = None) -> str:
    """A new session for `login`; returns the id for the cookie. Expired sessions are deleted on the way."""
    now = now or utcnow()
    db.execute(sa.delete(ConsoleSession).where(ConsoleSession.created_at < now - max_age))
    token = secrets.token_urlsafe(SESSION_ID_BYTES)
    db.add(ConsoleSession(id=_key(token), login=login, created_at=now))
    db.commit()
    return token


def session_login(db: Session, token: str, max_age: dt.timedelta, now: Optional[dt.datetime] = None) -> Optional[str]:
    """The login the session `token` signs in, unless it has ended or expired."""
    row = db.get(ConsoleSession, _key(token))
    if row is None:
        return None
    if (now or utcnow()) - _aware(row.created_at) > max_age:
        return None
    return str(row.login)


def end_session(db: Session, token: str) -> None:
    """End one session (logout): its cookie signs nobody in from now on."""
    db.execute(sa.delete(ConsoleSession).where(ConsoleSession.id == _key(token)))
    db.commit()


def end_all_sessions(db: Session, login: str) -> int:
    """End every session of `login` (deactivated, or a new password); returns how many there were.

    Commits nothing: the caller commits with the change that asked for it.
    """
    result = db.execute(sa.delete(ConsoleSession).where(ConsoleSession.login == login))
    return int(result.rowcount or 0)
