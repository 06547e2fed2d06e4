"""Login throttling: how long a login attempt must wait after failed ones (security review M6).

The old rule locked an account for 15 minutes after 5 wrong passwords and
refused even the right one, so anyone who knew a counselor's login could keep
them out for good. The rules now:

* **Nobody is locked out; guessers are slowed down.** After FREE_FAILURES
  failures, every further try must wait a delay that doubles with each
  failure (30 s, 1 min, 2 min, … at most 15 min) after the latest one. Tries
  within the delay are refused without checking the password and do not
  count as failures, so they cannot stretch it; the refusal says how many
  seconds are left.
* **The owner's own browser is held back only by its own failures.** A
  successful login gives the browser a "known device" cookie (a random id;
  the audit log's login entries record its hash and the account). With it,
  only that browser's failures on that account count, so a counselor at
  their usual browser gets in with the right password whatever a guesser
  does elsewhere. A password reset forgets the account's known browsers.
* **Any other client** is slowed by the account's failures from such
  clients, and by its address's failures across all accounts.

Why not "the right password always succeeds from an address that has not
failed"? That slows a guesser only per address, so one with many addresses
is hardly slowed at all. The known-device rule gives the owner the same
certainty and the guesser nothing. What it costs: a counselor on a new
browser while their account is being guessed at waits as a guesser does.

Failed logins are audit entries, so this holds across console restarts and
across several console processes on one database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console.audit import Action
from bot.console.models import AuditEntry

# Failures older than this are forgotten.
WINDOW = dt.timedelta(hours=1)
# Per account (or per known browser): tries before any delay.
FREE_FAILURES = 5
# Per client address, across accounts (one place guessing many logins).
FREE_FAILURES_PER_ADDRESS = 20
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)

# The known-device cookie: set at a successful login, sent only to /login.
DEVICE_COOKIE = "soba_device"
DEVICE_COOKIE_DAYS = 180
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class Throttled(Exception):
    """Too many failed logins recently: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


def device_key(cookie: Optional[str]) -> Optional[str]:
    """What the audit log keeps of a known-device cookie (a hash: the log alone cannot be replayed)."""
    if not cookie or not _DEVICE_TOKEN.fullmatch(cookie):
        return None
    return hashlib.sha256(cookie.encode()).hexdigest()[:32]


def is_known_device(session: Session, login: str, device: Optional[str]) -> bool:
    """Whether the browser with `device` has signed in to `login` since its password was last reset.

    A new password forgets every known browser: one that got in with a
    stolen password must not keep its head start at guessing the new one.
    """
    if device is None:
        return False
    query = sa.select(AuditEntry.id).where(
        AuditEntry.action == Action.LOGIN.value, AuditEntry.staff == login, AuditEntry.device == device
    )
    last_reset = _latest(session, Action.RESET_PASSWORD, staff=login)
    if last_reset is not None:
        query = query.where(AuditEntry.at > last_reset)
    return session.execute(query.limit(1)).first() is not None


def delay_after(failures: int, free: int) -> dt.timedelta:
    """How long to wait after the latest of `failures` failures, when `free` come without a wait."""
    if failures < free:
        return dt.timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - free, 16), MAX_DELAY)


def seconds_to_wait(session: Session, login: str, ip: str, device: Optional[str], now: dt.datetime) -> int:
    """How long this attempt must wait (0: go ahead); `device` is set only for a known device of `login`."""
    window_start = now - WINDOW
    last_login = _latest(session, Action.LOGIN, staff=login)
    # An account's failures count again from its latest successful login.
    since = max(window_start, last_login) if last_login is not None else window_start
    if device is not None:
        keys = [(_failures(session, since, staff=login, device=device), FREE_FAILURES)]
    else:
        keys = [
            (_failures(session, since, staff=login, device=None), FREE_FAILURES),
            (_failures(session, window_start, ip=ip, device=None), FREE_FAILURES_PER_ADDRESS),
        ]
    wait = dt.timedelta(0)
    for (count, latest), free in keys:
        if latest is not None:
            wait = max(wait, latest + delay_after(count, free) - now)
    return math.ceil(wait.total_seconds()) if wait > dt.timedelta(0) else 0


def _failures(session: Session, since: dt.datetime, **columns: Optional[str]) -> Tuple[int, Optional[dt.datetime]]:
    """How many failed logins matching `columns` (None: IS NULL) since `since`, and when the latest was."""
    query = sa.select(sa.func.count(AuditEntry.id), sa.func.max(AuditEntry.at)).where(
        AuditEntry.action == Action.LOGIN_FAILED.value, AuditEntry.at >= since
    )
    for name, value in columns.items():
        column = getattr(AuditEntry, name)
        query = query.where(column.is_(None) if value is None else column == value)
    count, latest = session.execute(query).one()
    return int(count), _aware(latest)


def _latest(session: Session, action: Action, staff: str) -> Optional[dt.datetime]:
    query = sa.select(sa.func.max(AuditEntry.at)).where(AuditEntry.action == action.value, AuditEntry.staff == staff)
    return _aware(session.execute(query).scalar_one())


def _aware(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    # SQLite returns naive datetimes; Soba stores UTC.
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
