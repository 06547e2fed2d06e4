"""The console's tables: staff accounts, their sessions and the audit log.

Kept free of web imports so `bot.db.create_schema` can register them cheaply.
"""

from __future__ import annotations

import enum
from typing import Tuple

import sqlalchemy as sa

from bot.core.tables import Base, utcnow


class Role(str, enum.Enum):
    """What a staff member may do in the console."""

    # Answers tickets: the queue, ticket pages, replies, notes, assign, close.
    COUNSELOR = "counselor"
    # Keeps the bot's knowledge current; for now sees the queue, read-only.
    TRAINER = "trainer"
    # A counselor who also sees the staff list and the audit log.
    ADMIN = "admin"


class Staff(Base):
    """A person who signs in to the console."""

    __tablename__ = "staff"

    id = sa.Column(sa.Integer, primary_key=True)
    login = sa.Column(sa.String(64), nullable=False, unique=True)
    display_name = sa.Column(sa.String(100), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)
    # argon2id, with its parameters and salt in the string.
    password_hash = sa.Column(sa.String(255), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    # The office (offices.yml id) whose tickets this account sees when
    # `console.office_scoped` is on (bot/console/access.py); set by an admin.
    office = sa.Column(sa.String(64), nullable=True)
    # The language codes this person reads, comma-separated ("ja,vi"): the
    # queue marks tickets that nobody active reads (bot/console/accounts.py).
    languages = sa.Column(sa.String(200), nullable=False, default="ja", server_default="ja")

    @property
    def reads(self) -> Tuple[str, ...]:
        """The language codes this person reads."""
        return tuple(code for code in (self.languages or "").split(",") if code)


class ConsoleSession(Base):
    """A signed-in browser: the cookie holds a random id, this row says whose it is (bot/console/sessions.py)."""

    __tablename__ = "console_sessions"

    # SHA-256 (hex) of the cookie's session id, so reading the table signs nobody in.
    id = sa.Column(sa.String(64), primary_key=True)
    login = sa.Column(sa.String(64), nullable=False, index=True)
    # Sessions end `console.session_minutes` after this, if not before (logout, deactivate, reset).
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class AuditEntry(Base):
    """Who did or viewed what, and when (also the record that login throttling counts)."""

    __tablename__ = "audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # The staff login; for a failed login, the login that was tried if it
    # exists, else "?" and a keyed hash of what was typed (a password typed
    # into the login field is never stored).
    staff = sa.Column(sa.String(64), nullable=True, index=True)
    action = sa.Column(sa.String(32), nullable=False, index=True)
    ticket_id = sa.Column(sa.Integer, nullable=True, index=True)
    details = sa.Column(sa.Text, nullable=False, default="")
    # The client address (bot/console/addresses.py), for throttling failed logins per address.
    ip = sa.Column(sa.String(64), nullable=True)
    # Logins and a known browser's failed logins: a hash of the browser's
    # known-device cookie (bot/console/throttle.py).
    device = sa.Column(sa.String(64), nullable=True)
