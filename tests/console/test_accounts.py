"""Staff accounts: argon2 hashes, account rules, signing in, throttling, and the audit entries they leave."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console import accounts, throttle
from bot.console.accounts import AccountError, LoginAttempt, authenticate, create_staff
from bot.console.addresses import client_address
from bot.console.models import AuditEntry, Role, Staff
from bot.console.throttle import Throttled
from bot.core.tables import utcnow
from bot.db import session_factory

PASSWORD = "long-enough-password"
KEY = b"key for the hash of unknown login names"


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


def sign_in(db: Session, login: str, password: str, ip: str = "10.0.0.1", **kwargs: Any) -> Optional[Staff]:
    """authenticate() as the login form calls it."""
    return authenticate(db, LoginAttempt(login, password, ip, kwargs.pop("device", None)), KEY, **kwargs)


def test_signing_in_checks_the_password_and_audits_every_outcome(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    inactive = create_staff(db, "yamada", "山田", Role.COUNSELOR, PASSWORD)
    inactive.active = False
    db.commit()

    assert sign_in(db, "tanaka", "wrong-password") is None
    assert sign_in(db, "nobody", PASSWORD) is None
    assert sign_in(db, "yamada", PASSWORD) is None
    staff = sign_in(db, "tanaka", PASSWORD)

    assert staff is not None and staff.login == "tanaka"
    assert audit_rows(db) == [
        ("tanaka", "login_failed", "wrong password"),
        (accounts.recorded_name("nobody", KEY), "login_failed", "no such login"),
        ("yamada", "login_failed", "inactive"),
        ("tanaka", "login", ""),
    ]


def test_m6_failures_slow_the_next_try_down_and_never_lock(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    for _ in range(throttle.FREE_FAILURES):
        assert sign_in(db, "tanaka", "guess", "10.0.0.2") is None

    with pytest.raises(Throttled) as first:
        sign_in(db, "tanaka", PASSWORD, "10.0.0.3")
    assert 0 < first.value.retry_after <= throttle.FIRST_DELAY.total_seconds()
    # Refused tries do not count, so hammering does not stretch the wait.
    for _ in range(10):
        with pytest.raises(Throttled):
            sign_in(db, "tanaka", "guess", "10.0.0.2")
    failures = [row for row in audit_rows(db) if row[1] == "login_failed"]
    assert failures == [("tanaka", "login_failed", "wrong password")] * throttle.FREE_FAILURES

    # Once the wait is over the right password gets in; a wrong one doubles the next wait.
    after_wait = utcnow() + throttle.FIRST_DELAY + dt.timedelta(seconds=1)
    assert sign_in(db, "tanaka", "guess", "10.0.0.2", now=after_wait) is None
    with pytest.raises(Throttled) as second:
        sign_in(db, "tanaka", PASSWORD, "10.0.0.3", now=after_wait)
    assert second.value.retry_after > throttle.FIRST_DELAY.total_seconds()
    later = after_wait + 2 * throttle.FIRST_DELAY + dt.timedelta(seconds=1)
    assert sign_in(db, "tanaka", PASSWORD, "10.0.0.3", now=later) is not None


def test_m6_the_owners_known_browser_gets_in_while_the_account_is_being_guessed(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    owner = throttle.device_key("o" * 43)
    assert sign_in(db, "tanaka", PASSWORD, "10.0.0.7", device=owner) is not None
    # Someone else, from the same office network and from elsewhere, with a made-up device cookie.
    for number in range(throttle.FREE_FAILURES_PER_ADDRESS):
        assert sign_in(db, f"user{number}", "guess", "10.0.0.7") is None
    for _ in range(throttle.FREE_FAILURES):
        assert sign_in(db, "tanaka", "guess", "10.0.0.8", device=throttle.device_key("x" * 43)) is None
    with pytest.raises(Throttled):
        sign_in(db, "tanaka", PASSWORD, "10.0.0.9")

    assert sign_in(db, "tanaka", PASSWORD, "10.0.0.7", device=owner) is not None
    # The known browser's own failures slow it down like anyone's.
    for _ in range(throttle.FREE_FAILURES):
        assert sign_in(db, "tanaka", "typo", "10.0.0.7", device=owner) is None
    with pytest.raises(Throttled):
        sign_in(db, "tanaka", PASSWORD, "10.0.0.7", device=owner)


def test_m6_a_new_password_forgets_the_known_browsers(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    thief = throttle.device_key("t" * 43)
    assert sign_in(db, "tanaka", PASSWORD, device=thief) is not None
    assert throttle.is_known_device(db, "tanaka", thief)

    accounts.reset_password(db, "tanaka", "a-brand-new-password")

    assert not throttle.is_known_device(db, "tanaka", thief)


def test_a_successful_login_starts_the_count_again(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    for _ in range(throttle.FREE_FAILURES - 1):
        sign_in(db, "tanaka", "typo", "10.0.0.4")
    assert sign_in(db, "tanaka", PASSWORD, "10.0.0.4") is not None

    assert sign_in(db, "tanaka", "typo", "10.0.0.4") is None
    assert sign_in(db, "tanaka", PASSWORD, "10.0.0.4") is not None


def test_m6_one_address_guessing_many_logins_is_slowed_down(db: Session) -> None:
    create_staff(db, "tanaka", "田中", Role.COUNSELOR, PASSWORD)
    for number in range(throttle.FREE_FAILURES_PER_ADDRESS):
        sign_in(db, f"user{number}", "guess", "10.9.9.9")

    with pytest.raises(Throttled):
        sign_in(db, "tanaka", PASSWORD, "10.9.9.9")
    assert sign_in(db, "tanaka", PASSWORD, "10.0.0.5") is not None


def test_m9_a_login_name_that_is_no_account_is_stored_as_a_keyed_hash(db: Session) -> None:
    typed = "My-Secret-Passw0rd typed into the login field"

    assert sign_in(db, typed, "anything") is None
    assert sign_in(db, typed, "anything") is None

    [first, second] = [row[0] for row in audit_rows(db)]
    assert first == second and first.startswith("?") and len(first) == 17
    assert typed not in first and accounts.recorded_name(typed, b"another key") != first


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # No trusted proxy in front: the header is the client's own text.
        ("127.0.0.1", ["203.0.113.23"], "127.0.0.1"),
        # Behind our proxy: the address it appended, not what the client wrote before it.
        ("10.0.0.2", ["203.0.113.23, 198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.23", "198.51.100.7, 10.0.0.3"], "198.51.100.7"),
        ("::ffff:10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        # Only our proxies, or nothing forwarded: the proxy itself.
        ("10.0.0.2", ["10.0.0.3"], "10.0.0.3"),
        ("10.0.0.2", [], "10.0.0.2"),
        # Garbage where an address should be: the last hop we can vouch for.
        ("10.0.0.2", ["198.51.100.7, not-an-address"], "10.0.0.2"),
        (None, ["198.51.100.7"], "unknown"),
    ],
)
def test_m6_the_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer: Optional[str], forwarded: List[str], client: str
) -> None:
    trusted = (ipaddress.ip_network("10.0.0.0/24"),)

    assert client_address(peer, forwarded, trusted) == client
