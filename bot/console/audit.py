"""The audit log: who viewed and did what in the console, and what was refused, and when.

Every field is bounded here, whatever the caller passes, so no request can
make a row large (security review M9). Refusals without a signed-in staff
member behind them (a throttled login, a form from nobody) are noted at most
once a minute per address: they cost an attacker nothing, so writing each
one would let anyone grow the database at will.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console.models import AuditEntry
from bot.core.tables import utcnow

MAX_STAFF_CHARS = 64
MAX_DETAILS_CHARS = 300
MAX_IP_CHARS = 64
# Anonymous refusals from one address are noted at most this often.
ANONYMOUS_REFUSAL_INTERVAL = dt.timedelta(minutes=1)


class Action(str, enum.Enum):
    """What the audit log records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    # Refused without checking the password (too many failures; or a form too large).
    LOGIN_THROTTLED = "login_throttled"
    LOGIN_REFUSED = "login_refused"
    LOGOUT = "logout"
    # Every read of a transcript: the ticket page, and the JSON poll whenever it returns lines.
    VIEW_TICKET = "view_ticket"
    READ_LINES = "read_lines"
    VIEW_STAFF = "view_staff"
    VIEW_AUDIT = "view_audit"
    SET_OFFICE = "set_office"
    SET_LANGUAGES = "set_languages"
    REPLY = "reply"
    INSERT_ANSWER = "insert_answer"
    NOTE = "note"
    ASSIGN = "assign"
    CLOSE = "close"
    REOPEN = "reopen"
    # An admin deleted the person's conversation at their request (bot/retention.py).
    FORGET = "forget_person"
    # Refused: a role or office that may not (403), a form without its CSRF
    # token (403), a change the ticket's state does not allow (409).
    DENIED = "denied"
    CSRF_FAILED = "csrf_failed"
    REFUSED = "refused"
    # By `soba staff ...` on the server: the account's sessions end at once.
    DEACTIVATE = "deactivate"
    RESET_PASSWORD = "reset_password"


def record(
    session: Session,
    staff: Optional[str],
    action: Action,
    ticket_id: Optional[int] = None,
    details: str = "",
    ip: Optional[str] = None,
    device: Optional[str] = None,
    at: Optional[dt.datetime] = None,
) -> AuditEntry:
    """Write one entry (every field cut to its bound) and commit it; `at` is now unless given."""
    entry = AuditEntry(
        at=at or utcnow(),
        staff=staff[:MAX_STAFF_CHARS] if staff is not None else None,
        action=action.value,
        ticket_id=ticket_id,
        details=details[:MAX_DETAILS_CHARS],
        ip=ip[:MAX_IP_CHARS] if ip is not None else None,
        device=device,
    )
    session.add(entry)
    session.commit()
    return entry


def record_anonymous_refusal(
    session: Session,
    action: Action,
    ip: str,
    staff: Optional[str] = None,
    details: str = "",
    at: Optional[dt.datetime] = None,
) -> bool:
    """Note a refusal nobody signed in is behind, unless one like it from `ip` was noted within the interval.

    Returns whether it was written.
    """
    at = at or utcnow()
    since = at - ANONYMOUS_REFUSAL_INTERVAL
    query = sa.select(AuditEntry.id).where(
        AuditEntry.action == action.value, AuditEntry.ip == ip[:MAX_IP_CHARS], AuditEntry.at >= since
    )
    if session.execute(query.limit(1)).first() is not None:
        return False
    record(session, staff, action, details=details, ip=ip, at=at)
    return True


def recent(
    session: Session, limit: int = 200, staff: Optional[str] = None, ticket_id: Optional[int] = None
) -> List[AuditEntry]:
    """The newest entries first, optionally for one staff login or one ticket."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if staff:
        query = query.where(AuditEntry.staff == staff)
    if ticket_id is not None:
        query = query.where(AuditEntry.ticket_id == ticket_id)
    return list(session.execute(query).scalars())
