"""Staff accounts: argon2 hashes, account rules, signing in, throttling, and the audit entries they leave."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console import accounts
from bot.console.accounts import AccountError, LoginAttempt, Throttled, authenticate, create_staff
from bot.console.models import AuditEntry, Role
from bot.core.tables import utcnow
from bot.db import session_factory

PASSWORD = "long-enough-password"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    with session_factory(f"sqlite:///{tmp_path / 'accounts.db'}")() as session:
        yield session


def audit_rows(db: Session) -> List[Tuple[str, str, str]]:
    rows = db.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars()
    return [(row.staff, row.action, row.details) for row in rows]


def test_a_password_is_stored_as_a_salted_argon2id_hash_that_verifies() -> None:
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)

    assert first.startswith("$argon2id$") and PASSWORD not in first
    assert first != second  # a new salt each time
    assert accounts.verify_password(first, PASSWORD) and accounts.verify_password(second, PASSWORD)
    assert not accounts.verify_password(first, PASSWORD + "x")
    assert not accounts.verify_password("not a hash", PASSWORD)


@pytest.mark.parametrize(
    ("login", "name", "password", "message"),
    [
        ("tanaka", "田中", "short", "at least 10 characters"),
        ("Tanaka San", "田中", PASSWORD, "a login is"),
        ("tanaka", " ", PASSWORD, "display name"),
    ],
)
def test_bad_accounts_are_refused(db: Session, login: str, name: str, password: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        create_staff(db, login, name, Role.COUNSELOR, password)


def test_a_login_cannot_be_taken_twice(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)

    with pytest.raises(AccountError, match="already exists"):
        create_staff(db, "tanaka", "田中二号", Role.ADMIN, PASSWORD)


def test_signing_in_checks_the_password_and_audits_every_outcome(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    inactive = create_staff(db, "yamada", "山田", Role.COUNSELOR, PASSWORD)
    inactive.active = False
    db.commit()

    assert authenticate(db, LoginAttempt("tanaka", "wrong-password", "10.0.0.1")) is None
    assert authenticate(db, LoginAttempt("nobody", PASSWORD, "10.0.0.1")) is None
    assert authenticate(db, LoginAttempt("yamada", PASSWORD, "10.0.0.1")) is None
    staff = authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.0.0.1"))

    assert staff is not None and staff.login == "tanaka"
    assert audit_rows(db) == [
        ("tanaka", "login_failed", "wrong password"),
        ("nobody", "login_failed", "no such login"),
        ("yamada", "login_failed", "inactive"),
        ("tanaka", "login", ""),
    ]


def test_five_failures_lock_the_login_for_the_window_even_with_the_right_password(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    for _ in range(accounts.MAX_FAILURES_PER_LOGIN):
        assert authenticate(db, LoginAttempt("tanaka", "guess", "10.0.0.2")) is None

    with pytest.raises(Throttled):
        authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.0.0.3"))

    later = utcnow() + accounts.THROTTLE_WINDOW + dt.timedelta(minutes=1)
    assert authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.0.0.3"), now=later) is not None


def test_a_successful_login_starts_the_count_again(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    for _ in range(accounts.MAX_FAILURES_PER_LOGIN - 1):
        authenticate(db, LoginAttempt("tanaka", "typo", "10.0.0.4"))
    assert authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.0.0.4")) is not None

    assert authenticate(db, LoginAttempt("tanaka", "typo", "10.0.0.4")) is None
    assert authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.0.0.4")) is not None


def test_one_address_guessing_many_logins_is_throttled(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    for number in range(accounts.MAX_FAILURES_PER_IP):
        authenticate(db, LoginAttempt(f"user{number}", "guess", "10.9.9.9"))

    with pytest.raises(Throttled):
        authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.9.9.9"))
    assert authenticate(db, LoginAttempt("tanaka", PASSWORD, "10.0.0.5")) is not None
