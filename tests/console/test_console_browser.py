"""The console in Debian's Chromium against the real servers: a LINE conversation handed to a counselor.

The person writes on LINE (signed webhooks to the real Rasa server; the LINE
fake records what LINE is asked to deliver), the counselor works in the
console in Chromium. The screenshots of the counselor's guide
(docs/images/console-*.png) are taken here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from actions.common import answer_labels, knowledge
from bot.db import session_factory
from bot.handoff.models import Reason
from bot.handoff.tickets import TicketRequest, open_ticket
from bot.texts import get_texts
from tests.channels.test_line import new_user, texts_of
from tests.conftest import Servers
from tests.console.conftest import PASSWORD, Console
from tests.handoff.test_pause_and_resume import no_reply, replied, say

pytestmark = pytest.mark.e2e

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
HTML_MESSAGE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"><b>bold?</b>'


@pytest.fixture
def page(browser: Any, live_console: Console) -> Iterator[Any]:
    """A fresh browser context (no cookies), reporting script errors."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def sign_in(page: Any, console: Console, login: str = "tanaka", password: str = PASSWORD) -> Any:
    """Log in through the form, as a counselor does; returns the response to the submission."""
    page.goto(f"{console.url}/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    with page.expect_navigation() as navigation:
        page.click("main button[type=submit]")
    return navigation.value


def pushes(servers: Servers, user: str) -> List[str]:
    """The texts LINE was asked to push to `user`, oldest first."""
    return [texts_of(call.json["messages"]) for call in servers.fakes.line.calls_to("/v2/bot/message/push", to=user)]


def wait_for_push(servers: Servers, user: str, count: int, timeout: float = 10.0) -> str:
    """The `count`-th push to `user`, once it arrives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = pushes(servers, user)
        if len(sent) >= count:
            return sent[count - 1]
        time.sleep(0.02)
    raise AssertionError(f"no push #{count} to {user}; pushes: {pushes(servers, user)}")


def ticket_of(servers: Servers, user: str) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = servers.rows(
            "SELECT id, language, status FROM tickets WHERE sender_id = :s ORDER BY id DESC", s=f"line:{user}"
        )
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no ticket for {user}")


def hand_off(servers: Servers, user: str, text: str) -> int:
    """The person asks for a human on LINE; returns the ticket's id."""
    replied(servers, say(servers, user, text))
    return int(ticket_of(servers, user).id)


def test_a_line_conversation_answered_from_the_console(page: Any, live_console: Console, soba_servers: Servers) -> None:
    texts = get_texts()
    # Others waiting in the queue: a Japanese question handed over, and a crisis (urgent).
    other = new_user()
    replied(soba_servers, say(soba_servers, other, "有給休暇を使わせてもらえません"))
    hand_off(soba_servers, other, "人の相談員と話したいです")
    urgent_id = hand_off(soba_servers, new_user(), "もう死にたい")

    user = new_user()
    assert "must be paid extra" in replied(soba_servers, say(soba_servers, user, "My company does not pay my overtime"))
    ticket_id = hand_off(soba_servers, user, "I want to talk to a human")
    assert ticket_of(soba_servers, user).language == "en"
    first = say(soba_servers, user, "They still have not paid my overtime for March")
    assert texts.get("en", "relay_ack") in replied(soba_servers, first)
    second = say(soba_servers, user, "I worked 60 hours of overtime last month")
    assert no_reply(soba_servers, user, second)

    # The queue: urgent on top, the ticket with its language and topic guesses in Japanese.
    sign_in(page, live_console)
    order = page.locator("tr.ticket-row").evaluate_all("rows => rows.map(row => row.dataset.ticket)")
    assert order.index(str(urgent_id)) < order.index(str(ticket_id))
    assert "urgent" in (page.locator(f"tr[data-ticket='{urgent_id}']").get_attribute("class") or "")
    row = page.locator(f"tr[data-ticket='{ticket_id}']")
    assert "英語" in row.inner_text() and knowledge()["overtime_pay"].title["ja"] in row.inner_text()
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / "console-queue.png"), full_page=True)

    # The ticket: each message in English, with its language and the bot's topic guess named in Japanese.
    with page.expect_navigation():
        row.locator("a").click()
    lines = page.locator("#transcript li.line-user")
    for text in ("They still have not paid my overtime for March", "I worked 60 hours of overtime last month"):
        shown = lines.filter(has_text=text).inner_text()
        assert "言語: 英語" in shown
        [relayed] = soba_servers.rows("SELECT topic_guess FROM ticket_messages WHERE text = :x", x=text)
        if relayed.topic_guess:
            assert f"話題の推測: {knowledge()[relayed.topic_guess].title['ja']}" in shown

    # New messages appear without a reload.
    page.evaluate("() => { window.notReloaded = true; }")
    say(soba_servers, user, "Are you there?")
    lines.filter(has_text="Are you there?").wait_for(timeout=15000)
    assert page.evaluate("() => window.notReloaded") is True

    # The reply reaches the person on LINE within 2 seconds; a phrase from the
    # phrasebook (listed in Japanese) goes in in English.
    page.fill("#reply-text", "Hello, I am Tanaka, a counselor.")
    page.select_option("#phrasebook", label=texts.section("ja", "phrasebook")["payslip_photo"])
    reply = "Hello, I am Tanaka, a counselor.\n" + texts.section("en", "phrasebook")["payslip_photo"]
    assert page.input_value("#reply-text") == reply
    before = len(pushes(soba_servers, user))
    started = time.monotonic()
    page.click("#send-reply")
    assert wait_for_push(soba_servers, user, before + 1, timeout=5.0) == reply
    assert time.monotonic() - started < 2.0
    page.wait_for_load_state()
    assert page.locator("#transcript li.line-staff").last.inner_text().startswith("相談員 田中")
    page.fill("#note-text", "3月分の残業代。給与明細の有無を確認中。")
    with page.expect_navigation():
        page.click("#add-note")
    page.screenshot(path=str(IMAGES / "console-ticket.png"), full_page=True)

    # "Insert answer": the knowledge-base answer, in the person's language.
    page.select_option("#answer-topic", "overtime_pay")
    with page.expect_navigation():
        page.click("#send-answer")
    expected = knowledge()["overtime_pay"].render("en", answer_labels("en"))
    assert wait_for_push(soba_servers, user, before + 2) == expected

    # Closing: the person is told, and the bot answers again.
    with page.expect_navigation():
        page.click("#close")
    assert wait_for_push(soba_servers, user, before + 3) == texts.get("en", "ticket_closed")
    assert "must be paid extra" in replied(soba_servers, say(soba_servers, user, "My overtime is not paid"))
    [ticket] = soba_servers.rows("SELECT status, closed_by, assignee FROM tickets WHERE id = :t", t=ticket_id)
    assert (ticket.status, ticket.closed_by, ticket.assignee) == ("closed", "staff:tanaka", "tanaka")
    actions = soba_servers.rows("SELECT action FROM audit_log WHERE ticket_id = :t ORDER BY id", t=ticket_id)
    reads = ("view_ticket", "read_lines")
    assert [a.action for a in actions if a.action not in reads] == ["reply", "note", "insert_answer", "close"]
    assert "read_lines" in [a.action for a in actions]  # the poll that brought "Are you there?"
    assert page.errors == []


def test_login_in_chromium_with_a_wrong_then_the_right_password(page: Any, live_console: Console) -> None:
    failed = sign_in(page, live_console, password="not-the-password")
    assert failed.status == 401
    assert "ログインIDまたはパスワードが違います" in page.locator("p.error").inner_text()

    page.fill("input[name=login]", "tanaka")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")

    assert page.url == f"{live_console.url}/"
    assert page.locator("h1").inner_text().startswith("相談キュー")
    assert "田中（相談員）" in page.locator("header").inner_text()
    with page.expect_navigation():
        page.click("header button[lang=en]")
    assert page.locator("h1").inner_text().startswith("Queue")
    assert page.errors == []


def test_a_post_without_the_csrf_token_is_refused_in_the_browser(page: Any, live_console: Console) -> None:
    with session_factory(live_console.database_url)() as db:
        ticket, _ = open_ticket(db, TicketRequest(new_user(), "line", "ja", Reason.REQUEST_HUMAN, [], []))
    sign_in(page, live_console)

    # The browser sends the signed-in session cookie; only the token is missing.
    response = page.request.post(f"{live_console.url}/tickets/{ticket.id}/note", form={"text": "forged"})

    assert response.status == 403
    page.goto(f"{live_console.url}/tickets/{ticket.id}")
    assert page.locator(".notes li").count() == 0


def test_a_counselor_cannot_see_admin_pages(page: Any, live_console: Console) -> None:
    sign_in(page, live_console)

    for path in ("/admin/staff", "/admin/audit"):
        response = page.goto(f"{live_console.url}{path}")
        assert response.status == 403
        assert "権限がありません" in page.locator("main").inner_text()
    page.goto(f"{live_console.url}/")
    assert page.locator("header nav a").all_inner_texts() == ["相談キュー"]  # no links to admin pages either


def test_html_typed_by_the_person_is_shown_as_text_and_never_runs(
    page: Any, live_console: Console, soba_servers: Servers
) -> None:
    user = new_user()
    ticket_id = hand_off(soba_servers, user, "人の相談員と話したいです")
    replied(soba_servers, say(soba_servers, user, HTML_MESSAGE))
    sign_in(page, live_console)

    page.goto(f"{live_console.url}/tickets/{ticket_id}")
    transcript = page.locator("#transcript")
    assert HTML_MESSAGE in transcript.inner_text()

    # A second one arrives while the page is open, through the poll.
    later = HTML_MESSAGE.replace("bold?", "again")
    say(soba_servers, user, later)
    page.wait_for_function(
        "text => document.getElementById('transcript').textContent.includes(text)", arg=later, timeout=15000
    )
    assert transcript.locator("script, img, b").count() == 0
    assert page.evaluate("() => window.pwned") is None
    assert page.errors == []
