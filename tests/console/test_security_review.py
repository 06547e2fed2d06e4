"""The console findings of the December 2026 security review, each attack replayed against a real console.

Tests are named after the finding they close (docs/security.md lists them):
the request the reviewer sent is sent again, and now fails as it should.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, List, Optional, Tuple

import requests

from bot.console import throttle
from bot.console.accounts import create_staff
from bot.console.models import Role
from bot.console.security import SESSION_COOKIE
from bot.console.throttle import DEVICE_COOKIE
from bot.db import session_factory
from bot.handoff import lifecycle
from bot.handoff.models import Ticket
from tests.console.conftest import (
    PASSWORD,
    Console,
    add_staff,
    csrf_of,
    new_ticket,
    rows,
    running_console,
    set_cookie,
    soba,
)

# What a reverse proxy in front of the console adds (the proxied console trusts 127.0.0.1).
FORWARDED = "X-Forwarded-For"


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
    for name in (SESSION_COOKIE, DEVICE_COOKIE):
        header = set_cookie(response, name)
        assert "httponly" in header and "samesite=lax" in header and "secure" not in header
    assert "path=/login" in set_cookie(response, DEVICE_COOKIE)


def attempt_login(
    console: Console,
    login: str,
    password: str,
    session: Optional[requests.Session] = None,
    forwarded: Optional[str] = None,
) -> requests.Response:
    """One POST of the login form (after loading it for its CSRF token), without following the redirect.

    `forwarded` is the X-Forwarded-For header a proxy in front would send.
    """
    session = session or console.client()
    headers = {FORWARDED: forwarded} if forwarded else {}
    page = console.get(session, "/login", headers=headers)
    form = {"login": login, "password": password, "next": "/", "csrf_token": csrf_of(page.text)}
    return session.post(f"{console.url}/login", data=form, headers=headers, allow_redirects=False, timeout=30)


def test_m6_wrong_passwords_cannot_keep_the_owner_out(proxied_console: Console) -> None:
    console, owner_address, attacker_address = proxied_console, "198.51.100.10", "203.0.113.66"
    with session_factory(console.database_url)() as db:
        create_staff(db, "kimura", "木村", Role.COUNSELOR, PASSWORD)
    owner = console.client()
    assert attempt_login(console, "kimura", PASSWORD, owner, forwarded=owner_address).status_code == 303
    assert owner.cookies.get(DEVICE_COOKIE, path="/login")

    # The review's attack: 7 wrong passwords, then the right one.
    statuses = [attempt_login(console, "kimura", "guess", forwarded=attacker_address).status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    # Another browser that never signed in as kimura waits, and is told how long.
    stranger = attempt_login(console, "kimura", PASSWORD, forwarded="192.0.2.5")
    assert stranger.status_code == 429 and 0 < int(stranger.headers["retry-after"]) <= 30

    # The owner's browser gets in, from home or from the attacker's own network.
    for address in (owner_address, attacker_address):
        assert attempt_login(console, "kimura", PASSWORD, owner, forwarded=address).status_code == 303
    failures = rows(console, "SELECT details FROM audit_log WHERE staff = 'kimura' AND action = 'login_failed'")
    assert [f.details for f in failures] == ["wrong password"] * 5


def test_m6_forwarded_for_from_an_untrusted_peer_is_ignored(console: Console) -> None:
    # The shared console trusts no proxy (settings.yml's default).
    forged = "203.0.113.23"
    assert attempt_login(console, "tanaka", "guess", forwarded=forged).status_code == 401
    assert attempt_login(console, "tanaka", PASSWORD, forwarded=forged).status_code == 303

    assert rows(console, "SELECT id FROM audit_log WHERE ip = :ip", ip=forged) == []
    latest = rows(console, "SELECT action, ip FROM audit_log WHERE staff = 'tanaka' ORDER BY id DESC LIMIT 2")
    assert [(e.action, e.ip) for e in latest] == [("login", "127.0.0.1"), ("login_failed", "127.0.0.1")]


def test_m6_rotating_forwarded_for_does_not_escape_the_address_limit(proxied_console: Console) -> None:
    # Behind the proxy the attacker writes any X-Forwarded-For; the proxy appends the real address.
    console, real = proxied_console, "198.51.100.77"
    statuses = []
    for number in range(throttle.FREE_FAILURES_PER_ADDRESS + 4):
        chain = f"203.0.113.{number}, {real}"
        statuses.append(attempt_login(console, f"guess{number}", "guess", forwarded=chain).status_code)

    assert statuses == [401] * throttle.FREE_FAILURES_PER_ADDRESS + [429] * 4
    addresses = rows(console, "SELECT DISTINCT ip FROM audit_log WHERE action LIKE 'login%' AND staff LIKE '?%'")
    assert real in [a.ip for a in addresses] and not any(a.ip.startswith("203.0.113.") for a in addresses)
    # Refusals that cost the attacker nothing are noted once a minute, not each time.
    assert len(rows(console, "SELECT id FROM audit_log WHERE action = 'login_throttled' AND ip = :ip", ip=real)) == 1


def test_m9_a_900_kb_login_is_refused_before_anything_is_stored(proxied_console: Console) -> None:
    console, address = proxied_console, "198.51.100.90"
    database = Path(console.database_url.removeprefix("sqlite:///"))
    before = database_size(database)

    for _ in range(10):
        response = attempt_login(console, "B" * 900_000, "x", forwarded=address)
        assert response.status_code == 400 and "B" * 100 not in response.text

    assert database_size(database) - before < 64_000
    noted = rows(console, "SELECT staff, details FROM audit_log WHERE ip = :ip", ip=address)
    assert [(n.staff, n.details) for n in noted] == [(None, "login form field too long")]
    assert rows(console, "SELECT id FROM audit_log WHERE length(staff) > 64 OR length(details) > 300") == []


def test_m9_a_password_typed_into_the_login_field_is_not_stored(proxied_console: Console) -> None:
    console, typed = proxied_console, "Pa55word-typed-in-the-wrong-box"

    assert attempt_login(console, typed, "", forwarded="198.51.100.91").status_code == 401

    [entry] = rows(console, "SELECT staff, details FROM audit_log WHERE ip = '198.51.100.91'")
    assert entry.staff.startswith("?") and len(entry.staff) == 17 and entry.details == "no such login"
    everything = rows(console, "SELECT * FROM audit_log")
    assert not any(typed in str(value) for row in everything for value in row)


def database_size(path: Path) -> int:
    """The SQLite database's size on disk, with its journal or write-ahead log."""
    return sum(file.stat().st_size for file in path.parent.glob(path.name + "*"))


def test_l9_behind_https_both_cookies_are_secure(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'console.db'}"
    add_staff(database_url)
    extra = {"SOBA_CONSOLE_SECURE_COOKIE": "1"}
    with running_console(database_url, "http://127.0.0.1:9", "no-token", tmp_path, extra_env=extra) as console:
        session = console.client()
        page = console.get(session, "/login")
        assert "; secure" in set_cookie(page, SESSION_COOKIE)
        # This test talks plain http, where a browser would keep a Secure cookie to itself: hand it back by hand.
        session.cookies.clear()
        session.cookies.set(SESSION_COOKIE, page.cookies[SESSION_COOKIE])
        form = {"login": "tanaka", "password": PASSWORD, "next": "/", "csrf_token": csrf_of(page.text)}
        response = session.post(f"{console.url}/login", data=form, allow_redirects=False, timeout=30)

    assert response.status_code == 303
    for name in (SESSION_COOKIE, DEVICE_COOKIE):
        assert "; secure" in set_cookie(response, name)


def audit_of(console: Console, ticket_id: int) -> List[Tuple[str, str, str]]:
    """(staff, action, details) of the ticket's audit entries, oldest first."""
    query = "SELECT staff, action, details FROM audit_log WHERE ticket_id = :t ORDER BY id"
    entries = rows(console, query, t=ticket_id)
    return [(e.staff, e.action, e.details) for e in entries]


def test_m7_reading_the_transcript_json_is_audited(console: Console, counselor: requests.Session) -> None:
    ticket_id = new_ticket(console, text="名前は山田花子、電話は090-1234-5678")

    # The review's request: the JSON alone, without opening the page first.
    polled = console.get(counselor, f"/tickets/{ticket_id}/lines")

    assert polled.status_code == 200 and "090-1234-5678" in polled.text
    assert [(staff, action) for staff, action, _ in audit_of(console, ticket_id)] == [("tanaka", "read_lines")]


def test_m7_admin_pages_are_audited(console: Console) -> None:
    admin = console.login("suzuki")

    assert console.get(admin, "/admin/staff").status_code == 200
    assert console.get(admin, "/admin/audit?staff=tanaka&ticket=7").status_code == 200

    latest = rows(console, "SELECT action, details FROM audit_log WHERE staff = 'suzuki' ORDER BY id DESC LIMIT 2")
    assert [(e.action, e.details) for e in latest] == [("view_audit", "staff=tanaka ticket=7"), ("view_staff", "")]


def test_m7_refused_attempts_are_audited(console: Console, counselor: requests.Session) -> None:
    ticket_id = new_ticket(console)
    trainer = console.login("sato")

    # A role that may not read tickets.
    assert console.get(trainer, f"/tickets/{ticket_id}").status_code == 403
    assert console.get(trainer, f"/tickets/{ticket_id}/lines").status_code == 403
    # A form without its CSRF token, from a signed-in counselor.
    forged = counselor.post(f"{console.url}/tickets/{ticket_id}/note", data={"text": "x"}, allow_redirects=False)
    assert forged.status_code == 403
    # A change the ticket's state does not allow (reopening an open ticket).
    page = f"/tickets/{ticket_id}"
    assert console.post_form(counselor, page, f"{page}/reopen", {}).status_code == 409

    refusals = [entry for entry in audit_of(console, ticket_id) if entry[1] not in ("view_ticket", "read_lines")]
    assert refusals == [
        ("sato", "denied", f"role trainer: GET /tickets/{ticket_id}"),
        ("sato", "denied", f"role trainer: GET /tickets/{ticket_id}/lines"),
        ("tanaka", "csrf_failed", f"POST /tickets/{ticket_id}/note"),
        ("tanaka", "refused", f"reopen: ticket {ticket_id}: cannot reopen a ticket that is open"),
    ]
    assert rows(console, "SELECT id FROM ticket_notes WHERE ticket_id = :t", t=ticket_id) == []


def test_m7_forms_refused_to_nobody_are_noted_without_letting_anyone_grow_the_log(proxied_console: Console) -> None:
    console, address = proxied_console, "198.51.100.120"
    anonymous = console.client()
    for _ in range(5):
        refused = anonymous.post(
            f"{console.url}/login", data={"login": "x", "password": "y"}, headers={FORWARDED: address}, timeout=30
        )
        assert refused.status_code == 403

    noted = rows(console, "SELECT staff, action, details FROM audit_log WHERE ip = :ip", ip=address)
    assert [(n.staff, n.action, n.details) for n in noted] == [(None, "csrf_failed", "POST /login")]


def queued(console: Console, session: requests.Session) -> List[int]:
    """The ticket ids the session's queue lists (every status)."""
    page = console.get(session, "/?status=all")
    assert page.status_code == 200
    return [int(number) for number in re.findall(r'data-ticket="(\d+)"', page.text)]


def test_l10_with_office_scoping_off_any_counselor_opens_any_office(
    console: Console, counselor: requests.Session
) -> None:
    elsewhere = new_ticket(console, office="kanagawa")

    assert elsewhere in queued(console, counselor)
    assert console.get(counselor, f"/tickets/{elsewhere}").status_code == 200


def test_l10_with_office_scoping_on_a_counselor_sees_and_opens_only_their_office(proxied_console: Console) -> None:
    console = proxied_console
    with session_factory(console.database_url)() as db:
        create_staff(db, "ueda", "上田", Role.COUNSELOR, PASSWORD)
        create_staff(db, "noda", "野田", Role.COUNSELOR, PASSWORD)
    admin = console.login("suzuki")
    for login, office in (("ueda", "central"), ("noda", "kanagawa")):
        changed = console.post_form(admin, "/admin/staff", "/admin/staff/office", {"login": login, "office": office})
        assert changed.status_code == 303
    central, kanagawa = new_ticket(console, office="central"), new_ticket(console, office="kanagawa")
    unrouted = new_ticket(console)
    ueda, noda, no_office = console.login("ueda"), console.login("noda"), console.login("tanaka")

    # The review's request: a counselor opening another office's ticket.
    assert console.get(ueda, f"/tickets/{kanagawa}").status_code == 403
    assert console.get(ueda, f"/tickets/{kanagawa}/lines").status_code == 403
    note = console.post_form(ueda, f"/tickets/{central}", f"/tickets/{kanagawa}/note", {"text": "覗き見"})
    assert note.status_code == 403
    assert rows(console, "SELECT id FROM ticket_notes WHERE ticket_id = :t", t=kanagawa) == []

    # Their own office's tickets (and those routed to the default office) they see and open.
    assert {central, unrouted} <= set(queued(console, ueda)) and kanagawa not in queued(console, ueda)
    assert console.get(ueda, f"/tickets/{central}").status_code == 200
    assert kanagawa in queued(console, noda) and central not in queued(console, noda)
    # A ticket can only be given to someone who may see it.
    page = console.get(ueda, f"/tickets/{central}").text
    assert 'value="noda"' not in page
    given = console.post_form(ueda, f"/tickets/{central}", f"/tickets/{central}/assign", {"to": "noda"})
    assert given.status_code == 400
    # No office: nothing. Admins: everything.
    assert not {central, kanagawa, unrouted} & set(queued(console, no_office))
    assert console.get(no_office, f"/tickets/{central}").status_code == 403
    assert {central, kanagawa, unrouted} <= set(queued(console, admin))
    assert console.get(admin, f"/tickets/{kanagawa}").status_code == 200

    denied = audit_of(console, kanagawa)
    assert ("ueda", "denied", f"office kanagawa: GET /tickets/{kanagawa}") in denied
    assert ("ueda", "denied", f"office kanagawa: POST /tickets/{kanagawa}/note") in denied
    offices = rows(console, "SELECT details FROM audit_log WHERE action = 'set_office' ORDER BY id")
    assert [o.details for o in offices][-2:] == ["login=ueda office=central", "login=noda office=kanagawa"]


def store_conversation(console: Console, sender_id: str, texts: List[str]) -> None:
    """Append messages to `sender_id`'s conversation as the Rasa server does: through its SQL tracker store.

    Even positions are the person's messages, odd ones the bot's.
    """
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    async def append() -> None:
        store = SQLTrackerStore(dialect="sqlite", db=console.database_url.removeprefix("sqlite:///"))
        tracker = await store.retrieve(sender_id) or DialogueStateTracker(sender_id, slots=[])
        for position, text in enumerate(texts):
            tracker.update(UserUttered(text) if position % 2 == 0 else BotUttered(text))
        await store.save(tracker)
        store.engine.dispose()

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, append()).result()


def sender_of(console: Console, ticket_id: int) -> str:
    return str(rows(console, "SELECT sender_id FROM tickets WHERE id = :t", t=ticket_id)[0].sender_id)


def message_event_ids(console: Console, sender_id: str) -> List[int]:
    query = "SELECT id FROM events WHERE sender_id = :s AND type_name IN ('user', 'bot') ORDER BY id"
    return [row.id for row in rows(console, query, s=sender_id)]


def test_l12_a_poll_returns_only_new_lines_from_the_database_a_page_at_a_time(
    console: Console, counselor: requests.Session
) -> None:
    ticket_id = new_ticket(console)
    sender = sender_of(console, ticket_id)
    # The review's conversation: 400 messages.
    store_conversation(console, sender, [f"message {number}" for number in range(400)])
    ids = message_event_ids(console, sender)
    lines_url = f"/tickets/{ticket_id}/lines"

    page = console.get(counselor, f"/tickets/{ticket_id}").text
    assert page.count('<li class="line ') == 400 and "message 399" in page
    assert f'data-after="{ids[-1]}" data-source="events"' in page
    # The poll the page makes: after the last line it shows. Nothing new: a few bytes, and nothing read to audit.
    before = len(audit_of(console, ticket_id))
    idle = console.get(counselor, f"{lines_url}?after={ids[-1]}&source=events")
    empty = {"status": "未対応", "source": "events", "after": ids[-1], "more": False, "reset": False, "lines": []}
    assert idle.json() == empty
    assert len(idle.content) < 200 and len(audit_of(console, ticket_id)) == before

    store_conversation(console, sender, ["Are you there?", "A counselor will answer soon."])
    new = console.get(counselor, f"{lines_url}?after={ids[-1]}&source=events").json()
    assert [line["text"] for line in new["lines"]] == ["Are you there?", "A counselor will answer soon."]
    assert new["after"] == message_event_ids(console, sender)[-1]

    # Without a cursor (as the reviewer asked): the first page only, and where to go on.
    first = console.get(counselor, lines_url).json()
    assert len(first["lines"]) == 100 and first["more"] is True and first["after"] == ids[99]
    assert first["lines"][-1]["text"] == "message 99"
    rest = console.get(counselor, f"{lines_url}?after={first['after']}&source=events").json()
    assert rest["lines"][0]["text"] == "message 100"
    for bad in ("-1", "x", "99999999999999999999"):
        assert console.get(counselor, f"{lines_url}?after={bad}").status_code == 400


def test_l12_the_ticket_copy_is_the_fallback_and_the_poll_starts_over_when_rasas_record_appears(
    console: Console, counselor: requests.Session
) -> None:
    ticket_id = new_ticket(console, text="I need help with my contract")
    lines_url = f"/tickets/{ticket_id}/lines"
    page = console.get(counselor, f"/tickets/{ticket_id}").text
    assert 'data-after="0" data-source="ticket"' in page and 'id="transcript-warning" class="error">' in page

    # The ticket's copy: the transcript once, then only new messages.
    assert console.get(counselor, f"{lines_url}?after=0&source=ticket").json()["lines"] == []
    with session_factory(console.database_url)() as db:
        ticket = db.get(Ticket, ticket_id)
        message = lifecycle.record_person_message(db, ticket, "Hello?", "en", None)
    relayed = console.get(counselor, f"{lines_url}?after=0&source=ticket").json()
    assert [line["text"] for line in relayed["lines"]] == ["Hello?"] and relayed["after"] == message.id

    # Rasa's record of the conversation appears: the page's cursor belonged to the copy, so start over.
    store_conversation(console, sender_of(console, ticket_id), ["I need help with my contract", "OK", "Hello?"])
    switched = console.get(counselor, f"{lines_url}?after={message.id}&source=ticket").json()
    assert switched["source"] == "events" and switched["reset"] is True
    assert [line["text"] for line in switched["lines"]] == ["I need help with my contract", "OK", "Hello?"]


def test_l12_the_page_appends_new_lines_from_its_cursor_in_chromium(browser: Any, console: Console) -> None:
    ticket_id = new_ticket(console)
    sender = sender_of(console, ticket_id)
    store_conversation(console, sender, ["first question", "first answer"])
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    polls: List[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/lines" in request.url else None)
    try:
        page.goto(f"{console.url}/tickets/{ticket_id}")
        page.fill("input[name=login]", "tanaka")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        lines = page.locator("#transcript li")
        assert lines.count() == 2

        store_conversation(console, sender, ["<b>second</b> question", "second answer"])
        lines.filter(has_text="second answer").wait_for(timeout=15000)
        page.wait_for_timeout(2500)  # one more poll: nothing is added twice

        assert lines.all_inner_texts()[-2].endswith("<b>second</b> question")
        assert [text.split("\n")[-1] for text in lines.all_inner_texts()] == [
            "first question",
            "first answer",
            "<b>second</b> question",
            "second answer",
        ]
        ids = message_event_ids(console, sender)
        assert f"after={ids[1]}&source=events" in polls[0] and any(f"after={ids[-1]}&" in url for url in polls)
        assert page.locator("#transcript-warning").is_hidden() and errors == []
    finally:
        context.close()
