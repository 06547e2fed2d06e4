"""Staff accounts: argon2 password hashes, creating and deactivating accounts, and signing in.

Signing in is throttled by bot/console/throttle.py and every outcome is
audited; what a failed login stores of the typed name is bounded and, unless
it names an account, a keyed hash (security review M9).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Collection, List, Optional, Sequence, Set

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from bot.console import audit, throttle
from bot.console.audit import Action
from bot.console.models import Role, Staff
from bot.console.sessions import end_all_sessions
from bot.console.throttle import Throttled
from bot.core.tables import utcnow

MIN_PASSWORD_CHARS = 10
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# The login form refuses longer fields before doing anything else.
MAX_LOGIN_FIELD_CHARS = 256
MAX_PASSWORD_FIELD_CHARS = 1024

_hasher = PasswordHasher()
# Verified against when the login does not exist, so a wrong login takes as
# long as a wrong password and does not reveal which logins exist.
_DUMMY_HASH = _hasher.hash("soba-no-such-account")


class AccountError(ValueError):
    """An account cannot be created as asked (bad login, weak password, taken)."""


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")


def checked_languages(languages: Sequence[str], known: Collection[str]) -> str:
    """The languages a person reads as stored ("ja,vi"); raises AccountError for an unknown code."""
    codes = [code.strip() for code in languages if code.strip()]
    unknown = [code for code in codes if code not in known]
    if unknown or not codes:
        raise AccountError(f"languages are codes from settings.yml ({', '.join(known)}); not {', '.join(unknown)}")
    return ",".join(dict.fromkeys(codes))


def set_languages(
    session: Session,
    login: str,
    languages: Sequence[str],
    known: Collection[str],
    actor: Optional[str] = None,
    ip: Optional[str] = None,
) -> Staff:
    """Record the languages `login` reads (`soba staff languages`, or `actor` on the staff page); audited."""
    staff = find_staff(session, login)
    if staff is None:
        raise AccountError(f"there is no account {login!r}")
    staff.languages = checked_languages(languages, known)
    details = f"login={login} languages={staff.languages}"
    audit.record(session, actor or login, Action.SET_LANGUAGES, details=details, ip=ip)
    return staff


def languages_read(session: Session) -> Set[str]:
    """The languages that at least one active counselor or admin reads."""
    readers = [s for s in active_staff(session) if s.role in (Role.COUNSELOR.value, Role.ADMIN.value)]
    return {code for staff in readers for code in staff.reads}


def create_staff(
    session: Session,
    login: str,
    display_name: str,
    role: Role,
    password: str,
    languages: Sequence[str] = ("ja",),
    known: Collection[str] = ("ja",),
) -> Staff:
    """Create an active account; raises AccountError if the login is bad or taken, or a language unknown."""
    if not LOGIN_PATTERN.match(login):
        raise AccountError("a login is 2-64 lowercase letters, digits, '.', '_' or '-', first a letter or digit")
    if not display_name.strip():
        raise AccountError("a display name is needed (--name)")
    check_new_password(password)
    if find_staff(session, login) is not None:
        raise AccountError(f"the login {login!r} already exists")
    staff = Staff(
        login=login,
        display_name=display_name.strip(),
        role=role.value,
        password_hash=hash_password(password),
        languages=checked_languages(languages, known),
    )
    session.add(staff)
    session.commit()
    return staff


def deactivate(session: Session, login: str) -> int:
    """Deactivate `login` and end its sessions at once (`soba staff deactivate`); returns how many ended.

    Raises AccountError if there is no such account.
    """
    staff = find_staff(session, login)
    if staff is None:
        raise AccountError(f"there is no account {login!r}")
    staff.active = False
    ended = end_all_sessions(session, login)
    audit.record(session, login, Action.DEACTIVATE, details=f"soba staff deactivate; {ended} session(s) ended")
    return ended


def reset_password(session: Session, login: str, password: str) -> int:
    """Give `login` a new password and end its sessions at once (`soba staff reset-password`).

    Returns how many sessions ended. Raises AccountError if there is no such
    account or the password is too weak.
    """
    check_new_password(password)
    staff = find_staff(session, login)
    if staff is None:
        raise AccountError(f"there is no account {login!r}")
    staff.password_hash = hash_password(password)
    ended = end_all_sessions(session, login)
    audit.record(session, login, Action.RESET_PASSWORD, details=f"soba staff reset-password; {ended} session(s) ended")
    return ended


def find_staff(session: Session, login: str) -> Optional[Staff]:
    """The account with `login`, active or not."""
    return session.execute(sa.select(Staff).where(Staff.login == login)).scalars().first()


def active_staff(session: Session) -> List[Staff]:
    """Every active account, by display name."""
    query = sa.select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name, Staff.login)
    return list(session.execute(query).scalars())


def all_staff(session: Session) -> List[Staff]:
    """Every account, by login."""
    return list(session.execute(sa.select(Staff).order_by(Staff.login)).scalars())


@dataclass(frozen=True)
class LoginAttempt:
    """What the login form sent and from where."""

    login: str
    password: str
    ip: str
    # The hash of the browser's known-device cookie, if it sent one (throttle.device_key).
    device: Optional[str] = None


def authenticate(
    session: Session, attempt: LoginAttempt, name_key: bytes, now: Optional[dt.datetime] = None
) -> Optional[Staff]:
    """The active account if the password is right, else None; every outcome is audited.

    Raises Throttled, without checking the password, while this attempt must
    wait (bot/console/throttle.py). `name_key` keys the hash stored for a
    login name that names no account.
    """
    now = now or utcnow()
    staff = find_staff(session, attempt.login)
    name = staff.login if staff is not None else recorded_name(attempt.login, name_key)
    device = attempt.device if throttle.is_known_device(session, attempt.login, attempt.device) else None
    wait = throttle.seconds_to_wait(session, attempt.login, attempt.ip, device, now)
    if wait:
        audit.record_anonymous_refusal(session, Action.LOGIN_THROTTLED, attempt.ip, name, f"wait {wait} s", now)
        raise Throttled(wait)
    valid = verify_password(staff.password_hash if staff else _DUMMY_HASH, attempt.password)
    if staff is None or not valid or not staff.active:
        reason = "no such login" if staff is None else ("inactive" if valid else "wrong password")
        audit.record(session, name, Action.LOGIN_FAILED, details=reason, ip=attempt.ip, device=device, at=now)
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(attempt.password)
    audit.record(session, staff.login, Action.LOGIN, ip=attempt.ip, device=attempt.device, at=now)
    return staff


def recorded_name(typed: str, key: bytes) -> str:
    """What the audit log keeps of a typed login that names no account: "?" and a keyed hash.

    Repeated tries of one name can still be told apart from many names, but a
    password typed into the login field cannot be read back, or confirmed by
    hashing guesses without the key.
    """
    return "?" + hmac.new(key, typed.encode(), hashlib.sha256).hexdigest()[:16]
