"""Sessions, CSRF tokens, roles and cookie settings, without a server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.exceptions import HTTPException

from bot.console import sessions
from bot.console.models import ConsoleSession, Role, Staff
from bot.console.secret import console_secret
from bot.console.security import ADMIN_ROLES, QUEUE_ROLES, TICKET_ROLES, require_role
from bot.core.tables import utcnow
from bot.db import session_factory
from bot.settings import SettingsError, load_settings


def test_a_session_expires_after_its_lifetime_and_ends_at_logout(tmp_path: Path) -> None:
    now = utcnow()
    with session_factory(f"sqlite:///{tmp_path / 'sessions.db'}")() as db:
        token = sessions.open_session(db, "tanaka", dt.timedelta(hours=12), now=now - dt.timedelta(minutes=30))
        other = sessions.open_session(db, "tanaka", dt.timedelta(hours=12), now=now)

        assert sessions.session_login(db, token, dt.timedelta(minutes=60), now) == "tanaka"
        assert sessions.session_login(db, token, dt.timedelta(minutes=20), now) is None
        assert sessions.session_login(db, "not-a-session", dt.timedelta(minutes=60), now) is None
        sessions.end_session(db, token)
        assert sessions.session_login(db, token, dt.timedelta(minutes=60), now) is None
        assert sessions.session_login(db, other, dt.timedelta(minutes=60), now) == "tanaka"
        # Only a hash of the id is stored: the table alone signs nobody in.
        [stored] = db.execute(sa.select(ConsoleSession.id)).scalars()
        assert stored != other and len(stored) == 64


@pytest.mark.parametrize(
    ("role", "queue", "tickets", "admin"),
    [
        (Role.COUNSELOR, True, True, False),
        (Role.TRAINER, True, False, False),
        (Role.ADMIN, True, True, True),
    ],
)
def test_roles(role: Role, queue: bool, tickets: bool, admin: bool) -> None:
    staff = Staff(login="x", display_name="x", role=role.value, password_hash="", active=True)

    def allowed(roles: Any) -> bool:
        try:
            require_role(staff, roles)
        except HTTPException as error:
            assert error.status_code == 403
            return False
        return True

    assert (allowed(QUEUE_ROLES), allowed(TICKET_ROLES), allowed(ADMIN_ROLES)) == (queue, tickets, admin)


def test_the_cookie_key_is_generated_once_owner_only_unless_set(tmp_path: Any) -> None:
    first = console_secret(env={}, var_dir=tmp_path)

    assert console_secret(env={}, var_dir=tmp_path) == first and len(first) >= 40
    assert (tmp_path / "console-secret").stat().st_mode & 0o777 == 0o600
    assert console_secret(env={"SOBA_CONSOLE_SECRET": "from-env"}, var_dir=tmp_path) == "from-env"


def test_console_settings_and_overrides() -> None:
    settings = load_settings(env={})
    assert settings.console_port == 8000
    assert settings.console.secure_cookie is False and settings.console.session_minutes > 0

    overridden = load_settings(env={"SOBA_CONSOLE_PORT": "8100", "SOBA_CONSOLE_SECURE_COOKIE": "1"})
    assert overridden.console_port == 8100 and overridden.console.secure_cookie is True


def test_a_bad_console_section_is_a_clear_error(tmp_path: Any) -> None:
    from bot import paths

    text = paths.SETTINGS_FILE.read_text(encoding="utf-8")
    custom = tmp_path / "settings.yml"
    custom.write_text(text.replace("session_minutes: 720", "session_minutes: 0"), encoding="utf-8")

    with pytest.raises(SettingsError, match="session_minutes"):
        load_settings(path=custom, env={})


def test_m6_trusted_proxies_and_office_scoping_are_settings(tmp_path: Any) -> None:
    from bot import paths

    assert load_settings(env={}).console.trusted_proxies == ()
    text = paths.SETTINGS_FILE.read_text(encoding="utf-8")
    custom = tmp_path / "settings.yml"
    custom.write_text(
        text.replace("trusted_proxies: []", "trusted_proxies: [127.0.0.1, 10.0.0.0/24, '::1']").replace(
            "office_scoped: false", "office_scoped: true"
        ),
        encoding="utf-8",
    )
    console = load_settings(path=custom, env={}).console
    assert [str(network) for network in console.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/24", "::1/128"]
    assert console.office_scoped is True

    custom.write_text(text.replace("trusted_proxies: []", "trusted_proxies: [proxy.local]"), encoding="utf-8")
    with pytest.raises(SettingsError, match="proxy.local"):
        load_settings(path=custom, env={})
