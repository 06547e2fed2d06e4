"""The audit log: who viewed and did what in the console, and when."""

from __future__ import annotations

import datetime as dt
import enum
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console.models import AuditEntry


class Action(str, enum.Enum):
    """What the audit log records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    VIEW_TICKET = "view_ticket"
    REPLY = "reply"
    INSERT_ANSWER = "insert_answer"
    NOTE = "note"
    ASSIGN = "assign"
    CLOSE = "close"
    REOPEN = "reopen"
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
) -> AuditEntry:
    """Write one entry and commit it."""
    entry = AuditEntry(staff=staff, action=action.value, ticket_id=ticket_id, details=details, ip=ip)
    session.add(entry)
    session.commit()
    return entry


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


def count_since(session: Session, action: Action, since: dt.datetime, **columns: str) -> int:
    """How many `action` entries since `since` match `columns` (e.g. staff=..., ip=...)."""
    query = sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == action.value, AuditEntry.at >= since)
    for name, value in columns.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return int(session.execute(query).scalar_one())


def last_at(session: Session, action: Action, **columns: str) -> Optional[dt.datetime]:
    """When the latest `action` entry matching `columns` was written, if any."""
    query = sa.select(sa.func.max(AuditEntry.at)).where(AuditEntry.action == action.value)
    for name, value in columns.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return session.execute(query).scalar_one()
