"""The console findings of the December 2026 security review, each attack replayed against a real console.

Tests are named after the finding they close (docs/security.md lists them):
the request the reviewer sent is sent again, and now fails as it should.
"""

from __future__ import annotations

import base64
import json
from typing import Optional

import requests

from bot.console.accounts import create_staff
from bot.console.models import Role
from bot.console.security import SESSION_COOKIE
from bot.db import session_factory
from tests.console.conftest import PASSWORD, Console, csrf_of, new_ticket, rows, soba


def test_l5_a_ticket_id_beyond_the_database_integer_is_a_404_not_a_500(
    console: Console, counselor: requests.Session
) -> None:
    new_ticket(console)

    for path in ("/tickets/99999999999999999999", "/tickets/9223372036854775808", "/tickets/2147483648"):
        assert console.get(counselor, path).status_code == 404, path
    lines = console.get(counselor, "/tickets/9223372036854775808/lines")
    assert lines.status_code == 404 and lines.json() == {"error": 404}
    for path in ("/tickets/0", "/tickets/-1", "/tickets/١", "/tickets/1e3"):
        assert console.get(counselor, path).status_code == 404, path
    admin = console.login("suzuki")
    assert console.get(admin, "/admin/audit?ticket=99999999999999999999").status_code == 200


def test_m8_cookie_copied_before_logout_is_refused(console: Console) -> None:
    ticket_id = new_ticket(console)
    session = console.login("tanaka")
    copied = session.cookies[SESSION_COOKIE]
    elsewhere = console.login("tanaka")  # the same counselor in another browser

    assert console.post_form(session, "/", "/logout", {}).status_code == 303
    replay = console.client()
    replay.cookies.set(SESSION_COOKIE, copied)

    page = console.get(replay, f"/tickets/{ticket_id}", allow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert console.get(replay, f"/tickets/{ticket_id}/lines").status_code == 401
    # Logout ends that browser's session only.
    assert console.get(elsewhere, f"/tickets/{ticket_id}").status_code == 200


def test_m8_soba_staff_deactivate_ends_every_session_at_once(console: Console) -> None:
    with session_factory(console.database_url)() as db:
        create_staff(db, "mori", "森", Role.COUNSELOR, PASSWORD)
    first, second = console.login("mori"), console.login("mori")
    assert console.get(first, "/").status_code == 200

    result = soba(console.database_url, "staff", "deactivate", "mori")

    assert result.returncode == 0 and "2 console session(s) ended" in result.stdout, result.stderr
    for browser in (first, second):
        assert console.get(browser, "/", allow_redirects=False).headers["location"] == "/login?next=%2F"
    assert attempt_login(console, "mori", PASSWORD).status_code == 401
    [entry] = rows(console, "SELECT action, details FROM audit_log WHERE staff = 'mori' AND action = 'deactivate'")
    assert "2 session(s) ended" in entry.details
    assert soba(console.database_url, "staff", "deactivate", "nobody").returncode == 2


def test_m8_soba_staff_reset_password_ends_every_session_at_once(console: Console) -> None:
    with session_factory(console.database_url)() as db:
        create_staff(db, "ishii", "石井", Role.COUNSELOR, PASSWORD)
    browser = console.login("ishii")
    new_password = "a-new-long-password"

    weak = soba(console.database_url, "staff", "reset-password", "ishii", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr
    assert console.get(browser, "/").status_code == 200
    result = soba(console.database_url, "staff", "reset-password", "ishii", "--password-stdin", stdin=new_password)

    assert result.returncode == 0 and "1 console session(s) ended" in result.stdout, result.stderr
    assert console.get(browser, "/", allow_redirects=False).status_code == 303
    assert attempt_login(console, "ishii", PASSWORD).status_code == 401
    assert console.get(console.login("ishii", new_password), "/").status_code == 200


def test_l9_the_session_cookie_names_nobody_and_changes_at_login(console: Console) -> None:
    session = console.client()
    anonymous_csrf = csrf_of(console.get(session, "/login").text)
    response = attempt_login(console, "tanaka", PASSWORD, session=session)

    assert response.status_code == 303
    cookie = session.cookies[SESSION_COOKIE]
    payload = json.loads(base64.b64decode(cookie.split(".")[0]))
    assert set(payload) == {"sid"} and len(payload["sid"]) >= 43
    assert "tanaka" not in json.dumps(payload) and "csrf" not in payload
    # A new CSRF token at login (no fixation), and the form token is not in the cookie.
    signed_in_csrf = csrf_of(console.get(session, "/").text)
    assert signed_in_csrf != anonymous_csrf and signed_in_csrf not in cookie
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie


def attempt_login(
    console: Console, login: str, password: str, session: Optional[requests.Session] = None, **headers: str
) -> requests.Response:
    """One POST of the login form (after loading it for its CSRF token), without following the redirect."""
    session = session or console.client()
    page = console.get(session, "/login", headers=headers)
    form = {"login": login, "password": password, "next": "/", "csrf_token": csrf_of(page.text)}
    return session.post(f"{console.url}/login", data=form, headers=headers, allow_redirects=False, timeout=30)
