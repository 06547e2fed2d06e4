"""The console over real HTTP: logins, CSRF, roles, cookies, the queue, failed delivery and the audit log.

The console process runs against its own SQLite database with no Rasa server
behind it, so every reply here fails to deliver, as it would if Rasa were down.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any, Dict

import requests
from itsdangerous import TimestampSigner

from bot.console import sessions
from bot.console.accounts import create_staff
from bot.console.app import create_app
from bot.console.models import Role
from bot.console.security import SESSION_COOKIE
from bot.core.tables import utcnow
from bot.db import session_factory
from bot.handoff.conversation import RasaConversations
from bot.handoff.models import Reason
from bot.settings import load_settings
from tests.console.conftest import PASSWORD, Console, csrf_of, new_ticket, rows, set_cookie, soba


def test_pages_need_a_login(console: Console) -> None:
    anonymous = console.client()

    page = console.get(anonymous, "/", allow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2F"
    assert console.get(anonymous, "/admin/staff", allow_redirects=False).status_code == 303
    assert console.get(anonymous, "/tickets/1/lines").status_code == 401
    login = console.get(anonymous, "/login")
    assert login.status_code == 200 and "ログイン" in login.text and 'lang="ja"' in login.text


def test_the_session_cookie_is_signed_httponly_samesite_lax_and_expires(console: Console) -> None:
    session = console.client()
    page = console.get(session, "/login")
    response = session.post(
        f"{console.url}/login",
        data={"login": "tanaka", "password": PASSWORD, "next": "/", "csrf_token": csrf_of(page.text)},
        allow_redirects=False,
    )
    cookie = set_cookie(response, SESSION_COOKIE)
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # settings.yml: secure_cookie false for http on localhost
    assert console.get(session, "/").status_code == 200

    # A session of tanaka's, in the cookie signed with the console's key, but opened longer ago than a session lasts.
    settings = load_settings(env={})
    old = utcnow() - dt.timedelta(minutes=settings.console.session_minutes + 1)
    with session_factory(console.database_url)() as db:
        token = sessions.open_session(db, "tanaka", dt.timedelta(days=1), now=old)
    expired = console.client()
    expired.cookies.set(SESSION_COOKIE, signed_cookie(console.secret, {"sid": token}))
    assert console.get(expired, "/", allow_redirects=False).status_code == 303

    forged = console.client()
    forged.cookies.set(SESSION_COOKIE, signed_cookie("not-the-key", {"sid": token}))
    assert console.get(forged, "/", allow_redirects=False).status_code == 303
    # The old cookie format named the login: naming it signs nobody in now.
    named = console.client()
    named.cookies.set(SESSION_COOKIE, signed_cookie(console.secret, {"login": "tanaka", "since": utcnow().timestamp()}))
    assert console.get(named, "/", allow_redirects=False).status_code == 303


def signed_cookie(key: str, payload: Dict[str, Any]) -> str:
    """A session cookie as Starlette's SessionMiddleware writes it, signed with `key`."""
    return TimestampSigner(key).sign(base64.b64encode(json.dumps(payload).encode())).decode()


def test_every_post_form_refuses_a_missing_or_wrong_csrf_token(console: Console, counselor: requests.Session) -> None:
    ticket_id = new_ticket(console)
    app = create_app(load_settings(env={"SOBA_DATABASE_URL": console.database_url}), RasaConversations("", ""), "k")
    post_paths = [route.path for route in app.routes if "POST" in (getattr(route, "methods", None) or set())]
    assert len(post_paths) >= 9

    for path in post_paths:
        url = console.url + path.replace("{ticket_id}", str(ticket_id))
        form = {"text": "note", "to": "tanaka", "topic": "overtime_pay", "login": "tanaka", "password": PASSWORD}
        assert counselor.post(url, data=form, allow_redirects=False).status_code == 403, path
        wrong = counselor.post(url, data={**form, "csrf_token": "guessed"}, allow_redirects=False)
        assert wrong.status_code == 403, path

    assert rows(console, "SELECT id FROM ticket_notes WHERE ticket_id = :t", t=ticket_id) == []
    [ticket] = rows(console, "SELECT status, assignee FROM tickets WHERE id = :t", t=ticket_id)
    assert (ticket.status, ticket.assignee) == ("open", None)
    # The same form with the page's token goes through.
    added = console.post_form(counselor, f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/note", {"text": "memo"})
    assert added.status_code == 303
    assert len(rows(console, "SELECT id FROM ticket_notes WHERE ticket_id = :t", t=ticket_id)) == 1


def test_a_counselor_gets_403_on_admin_pages_and_an_admin_sees_them(
    console: Console, counselor: requests.Session
) -> None:
    for path in ("/admin/staff", "/admin/audit"):
        page = console.get(counselor, path)
        assert page.status_code == 403 and "権限がありません" in page.text

    admin = console.login("suzuki")
    staff = console.get(admin, "/admin/staff")
    assert staff.status_code == 200 and "田中" in staff.text and "相談員" in staff.text
    audit = console.get(admin, "/admin/audit?staff=suzuki")
    assert audit.status_code == 200 and "ログイン" in audit.text


def test_a_trainer_sees_the_queue_but_not_tickets(console: Console) -> None:
    ticket_id = new_ticket(console)
    trainer = console.login("sato")

    queue = console.get(trainer, "/")
    assert queue.status_code == 200 and f"#{ticket_id}" in queue.text
    assert f'href="/tickets/{ticket_id}"' not in queue.text
    assert console.get(trainer, f"/tickets/{ticket_id}").status_code == 403
    refused = trainer.post(
        f"{console.url}/tickets/{ticket_id}/note", data={"text": "x", "csrf_token": csrf_of(queue.text)}
    )
    assert refused.status_code == 403
    assert rows(console, "SELECT id FROM ticket_notes WHERE ticket_id = :t", t=ticket_id) == []


def test_the_queue_puts_urgent_first_and_filters(console: Console, counselor: requests.Session) -> None:
    normal = new_ticket(console, language="en")
    urgent = new_ticket(console, language="ja", reason=Reason.CRISIS)

    page = console.get(counselor, "/").text
    order = [int(n) for n in re.findall(r'data-ticket="(\d+)"', page)]
    urgent_rows = [int(n) for n in re.findall(r'class="ticket-row urgent" data-ticket="(\d+)"', page)]
    assert urgent in urgent_rows and normal not in urgent_rows
    assert order[: len(urgent_rows)] == urgent_rows  # every urgent ticket above every normal one
    assert "残業代" in page and "41%" in page  # top guesses as Japanese titles

    only_urgent = console.get(counselor, "/?priority=urgent").text
    assert f'data-ticket="{urgent}"' in only_urgent and f'data-ticket="{normal}"' not in only_urgent
    only_english = console.get(counselor, "/?language=en").text
    assert f'data-ticket="{normal}"' in only_english and f'data-ticket="{urgent}"' not in only_english
    closed = console.get(counselor, "/?status=closed").text
    assert f'data-ticket="{normal}"' not in closed


def test_a_reply_that_cannot_be_delivered_keeps_the_text_and_records_nothing(
    console: Console, counselor: requests.Session
) -> None:
    ticket_id = new_ticket(console)
    typed = "Hello <b>friend</b>, this is Tanaka"

    response = console.post_form(counselor, f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/reply", {"text": typed})

    assert response.status_code == 502
    assert "送信できませんでした" in response.text
    assert "Hello &lt;b&gt;friend&lt;/b&gt;, this is Tanaka</textarea>" in response.text
    assert "no-token" not in response.text and "token=" not in response.text
    assert rows(console, "SELECT id FROM ticket_messages WHERE ticket_id = :t", t=ticket_id) == []
    closing = console.post_form(counselor, f"/tickets/{ticket_id}", f"/tickets/{ticket_id}/close", {})
    assert closing.status_code == 502
    assert rows(console, "SELECT status FROM tickets WHERE id = :t", t=ticket_id)[0].status == "open"


def test_the_transcript_falls_back_to_the_database_and_is_escaped(
    console: Console, counselor: requests.Session
) -> None:
    ticket_id = new_ticket(console, text="<script>alert('x')</script><img src=x>")

    page = console.get(counselor, f"/tickets/{ticket_id}").text
    polled = console.get(counselor, f"/tickets/{ticket_id}/lines").json()

    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x&gt;" in page
    assert "<img src=x>" not in page and "alert('x')" not in page
    assert polled["source"] == "ticket"  # Rasa never wrote this conversation: the ticket's copy
    assert polled["lines"][0]["text"] == "<script>alert('x')</script><img src=x>"  # JSON; the page sets textContent
    assert polled["lines"][0]["language_note"] == "言語: 英語"  # Latin letters


def test_pages_send_a_strict_content_security_policy_and_no_inline_code(
    console: Console, counselor: requests.Session
) -> None:
    ticket_id = new_ticket(console)

    page = console.get(counselor, f"/tickets/{ticket_id}")

    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'self'") and "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert re.findall(r"<script[^>]*>", page.text) == [
        '<script src="/static/ticket.js" defer>',
        '<script src="/static/phrasebook.js" defer>',
    ]
    attributes = AttributeNames()
    attributes.feed(page.text)
    assert "<style" not in page.text and "style" not in attributes.names
    assert not [name for name in attributes.names if name.startswith("on")]  # no inline event handlers


class AttributeNames(HTMLParser):
    """Every attribute name used in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.update(name for name, _ in attrs)


def test_actions_and_views_are_audited(console: Console) -> None:
    ticket_id = new_ticket(console)
    session = console.login("tanaka")
    ticket_page = f"/tickets/{ticket_id}"

    console.get(session, ticket_page)
    assert console.post_form(session, ticket_page, f"{ticket_page}/note", {"text": "給与明細を確認"}).status_code == 303
    assert console.post_form(session, ticket_page, f"{ticket_page}/assign", {"to": "suzuki"}).status_code == 303
    assert console.post_form(session, "/", "/logout", {}).status_code == 303

    entries = rows(
        console, "SELECT staff, action, ticket_id, details FROM audit_log WHERE ticket_id = :t ORDER BY id", t=ticket_id
    )
    assert [(e.staff, e.action, e.details) for e in entries] == [
        ("tanaka", "view_ticket", ""),
        ("tanaka", "view_ticket", ""),
        ("tanaka", "note", ""),
        ("tanaka", "view_ticket", ""),
        ("tanaka", "assign", "to=suzuki"),
    ]
    [last] = rows(console, "SELECT staff, action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert (last.staff, last.action) == ("tanaka", "logout")
    [ticket] = rows(console, "SELECT status, assignee FROM tickets WHERE id = :t", t=ticket_id)
    assert (ticket.status, ticket.assignee) == ("assigned", "suzuki")
    assert console.get(session, "/", allow_redirects=False).status_code == 303  # logged out


def test_wrong_passwords_are_throttled(console: Console) -> None:
    with session_factory(console.database_url)() as db:
        create_staff(db, "kato", "加藤", Role.COUNSELOR, PASSWORD)
    session = console.client()

    def attempt(password: str) -> requests.Response:
        page = console.get(session, "/login")
        form = {"login": "kato", "password": password, "next": "/", "csrf_token": csrf_of(page.text)}
        return session.post(f"{console.url}/login", data=form, allow_redirects=False)

    for _ in range(5):
        wrong = attempt("not-the-password")
        assert wrong.status_code == 401 and "ログインIDまたはパスワードが違います" in wrong.text
    # A browser that never signed in as kato waits, even with the right password.
    waiting = attempt(PASSWORD)
    assert waiting.status_code == 429 and "しばらくログインできません" in waiting.text
    assert 0 < int(waiting.headers["retry-after"]) <= 30 and f"{waiting.headers['retry-after']}秒" in waiting.text
    failures = rows(console, "SELECT action, details FROM audit_log WHERE staff = 'kato' ORDER BY id")
    assert [(f.action, f.details) for f in failures] == [("login_failed", "wrong password")] * 5 + [
        ("login_throttled", f"wait {waiting.headers['retry-after']} s")
    ]


def test_the_ui_switches_to_english_and_stays(console: Console) -> None:
    session = console.login("tanaka")

    switched = console.post_form(session, "/", "/lang", {"lang": "en", "next": "/?status=all"})

    assert switched.status_code == 303 and switched.headers["location"] == "/?status=all"
    page = console.get(session, "/?status=all").text
    assert 'lang="en"' in page and "<h1>Queue" in page and "Overtime" in page
    assert 'lang="en"' in console.get(session, f"/tickets/{new_ticket(console)}").text


def queue_row(page: str, ticket_id: int) -> str:
    """The queue table's row of `ticket_id`, as HTML."""
    match = re.search(rf'data-ticket="{ticket_id}">(.*?)</tr>', page, re.S)
    assert match, f"ticket {ticket_id} is not in the queue"
    return match.group(1)


def test_a_ticket_in_a_language_nobody_reads_is_marked_until_a_counselor_reads_it(
    console: Console, counselor: requests.Session
) -> None:
    khmer, japanese = new_ticket(console, language="km"), new_ticket(console, language="ja-easy")
    nobody = "この言語を読める相談員がいません"

    page = console.get(counselor, "/").text
    assert nobody in queue_row(page, khmer) and "クメール語" in queue_row(page, khmer)
    assert nobody not in queue_row(page, japanese)  # やさしい日本語 is read by whoever reads Japanese
    assert f'data-ticket="{japanese}"' in console.get(counselor, "/?language=ja-easy").text

    admin = console.login("suzuki")
    unknown = console.post_form(
        admin, "/admin/staff", "/admin/staff/languages", {"login": "tanaka", "languages": "ja,xx"}
    )
    assert unknown.status_code == 400
    given = console.post_form(
        admin, "/admin/staff", "/admin/staff/languages", {"login": "tanaka", "languages": "ja,km"}
    )
    assert given.status_code == 303
    assert nobody not in queue_row(console.get(counselor, "/").text, khmer)
    assert 'value="ja,km"' in console.get(admin, "/admin/staff").text
    audited = rows(console, "SELECT staff, details FROM audit_log WHERE action = 'set_languages' ORDER BY id")
    assert (audited[-1].staff, audited[-1].details) == ("suzuki", "login=tanaka languages=ja,km")

    # The same from the command line; Japanese only again.
    result = soba(console.database_url, "staff", "languages", "tanaka", "ja")
    assert result.returncode == 0 and "tanaka reads ja" in result.stdout, result.stderr
    assert nobody in queue_row(console.get(counselor, "/").text, khmer)
    refused = soba(console.database_url, "staff", "languages", "tanaka", "klingon")
    assert refused.returncode == 2 and "klingon" in refused.stderr
