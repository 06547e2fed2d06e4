"""A counselor takes over a LINE conversation and hands it back, through the real servers."""

from __future__ import annotations

import time

import pytest

from bot.decision import Outcome
from bot.handoff.conversation import RasaConversations, close_ticket, send_reply, transcript
from bot.handoff.models import Status, Ticket, TicketMessage
from bot.texts import get_texts
from tests.channels.test_line import event, new_user, post, sent_to, text_event, texts_of
from tests.channels.test_telegram import new_chat, text_update, wait_for_messages
from tests.channels.test_telegram import post as post_telegram
from tests.conftest import Servers
from tests.test_end_to_end import VAGUE, first_decided

pytestmark = pytest.mark.e2e


def say(servers: Servers, user: str, text: str) -> str:
    """Send a LINE message and return the reply token it carried."""
    body = text_event(user, text)
    assert post(servers, body).status_code == 200
    return body["replyToken"]


def open_ticket_for(servers: Servers, user: str) -> int:
    token = say(servers, user, "人の相談員と話したいです")
    assert "受付番号" in texts_of(sent_to(servers, user, token))
    [row] = servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"line:{user}")
    return int(row.id)


def replied(servers: Servers, token: str) -> str:
    """The text Soba replied with to the message that carried `token`."""
    calls = servers.fakes.line.wait_for(
        lambda calls: any(c.path == "/v2/bot/message/reply" and c.json.get("replyToken") == token for c in calls)
    )
    call = next(c for c in calls if c.path == "/v2/bot/message/reply" and c.json.get("replyToken") == token)
    return texts_of(call.json["messages"])


def no_reply(servers: Servers, user: str, token: str) -> bool:
    """Nothing was sent back for the message that carried `token` (waits for the turn to finish)."""
    time.sleep(2.0)
    line = servers.fakes.line
    return not line.calls_to("/v2/bot/message/reply", replyToken=token) and not line.calls_to(
        "/v2/bot/message/push", to=user
    )


def session_for(servers: Servers):  # type: ignore[no-untyped-def]
    from bot.db import session_factory

    return session_factory(servers.database_url)()


def test_messages_go_to_the_ticket_with_one_acknowledgement_and_a_reply_reaches_line(soba_servers: Servers) -> None:
    user = new_user()
    ticket_id = open_ticket_for(soba_servers, user)

    first = say(soba_servers, user, "残業代が払われません。先月からです")
    assert get_texts().get("ja", "relay_ack") in replied(soba_servers, first)
    second = say(soba_servers, user, "会社の名前は言ったほうがいいですか")
    assert no_reply(soba_servers, user, second)

    rows = soba_servers.rows(
        "SELECT author, text, topic_guess FROM ticket_messages WHERE ticket_id = :t ORDER BY id", t=ticket_id
    )
    assert [(r.author, r.text) for r in rows] == [
        ("person", "残業代が払われません。先月からです"),
        ("person", "会社の名前は言ったほうがいいですか"),
    ]
    assert rows[0].topic_guess == "overtime_pay"

    rasa = RasaConversations(soba_servers.rasa_url, soba_servers.token)
    with session_for(soba_servers) as session:
        ticket = session.get(Ticket, ticket_id)
        started = time.monotonic()
        send_reply(session, rasa, ticket, "tanaka", "相談員の田中です。給与明細はありますか？")
        pushed = sent_to(soba_servers, user)
        assert time.monotonic() - started < 2.0
        assert "相談員の田中です" in texts_of(pushed)
        assert ticket.status == Status.WAITING.value and ticket.assignee == "tanaka"

    lines = transcript(rasa.tracker_events(f"line:{user}"))
    assert {"role": "staff", "staff": "tanaka"}.items() <= lines[-1].items()


def test_closing_resumes_the_bot_and_tells_the_person(soba_servers: Servers) -> None:
    user = new_user()
    ticket_id = open_ticket_for(soba_servers, user)
    rasa = RasaConversations(soba_servers.rasa_url, soba_servers.token)

    with session_for(soba_servers) as session:
        close_ticket(session, rasa, session.get(Ticket, ticket_id), "tanaka")

    assert get_texts().get("ja", "ticket_closed") in texts_of(sent_to(soba_servers, user))
    token = say(soba_servers, user, "残業代が払われません")
    assert "割増賃金" in replied(soba_servers, token)
    [row] = soba_servers.rows("SELECT status, closed_by FROM tickets WHERE id = :t", t=ticket_id)
    assert (row.status, row.closed_by) == ("closed", "staff:tanaka")


def test_the_person_can_cancel_and_return_to_the_bot(soba_servers: Servers) -> None:
    user = new_user()
    ticket_id = open_ticket_for(soba_servers, user)

    cancel = event(user, "postback", postback={"data": "/cancel_ticket"})
    post(soba_servers, cancel)

    assert get_texts().get("ja", "ticket_cancelled") in texts_of(sent_to(soba_servers, user, cancel["replyToken"]))
    [row] = soba_servers.rows("SELECT status, closed_by FROM tickets WHERE id = :t", t=ticket_id)
    assert (row.status, row.closed_by) == ("closed", "person")
    token = say(soba_servers, user, "有給休暇を使わせてもらえません")
    assert "出勤率が80%" in replied(soba_servers, token)


def test_naming_a_prefecture_moves_the_ticket_to_that_office(soba_servers: Servers) -> None:
    user = new_user()
    ticket_id = open_ticket_for(soba_servers, user)

    token = say(soba_servers, user, "神奈川県で働いています")

    reply = replied(soba_servers, token)
    assert "神奈川地域協議会" in reply
    [row] = soba_servers.rows("SELECT office, region FROM tickets WHERE id = :t", t=ticket_id)
    assert (row.office, row.region) == ("kanagawa", "神奈川県")


def test_crisis_still_gets_the_contacts_while_a_counselor_has_the_conversation(soba_servers: Servers) -> None:
    user = new_user()
    ticket_id = open_ticket_for(soba_servers, user)

    token = say(soba_servers, user, "もう死にたい")

    assert "110" in replied(soba_servers, token)
    [row] = soba_servers.rows("SELECT priority FROM tickets WHERE id = :t", t=ticket_id)
    assert row.priority == "urgent"
    assert soba_servers.rows("SELECT id FROM ticket_messages WHERE ticket_id = :t", t=ticket_id) == []
    _ = TicketMessage  # the crisis message stays in the conversation, not relayed as a normal message


def test_a_message_soba_cannot_place_twice_opens_a_ticket_and_the_next_two_go_to_it(soba_servers: Servers) -> None:
    text, _ = first_decided(soba_servers, VAGUE, Outcome.REPHRASE)
    user = new_user()
    first = say(soba_servers, user, text)
    assert get_texts().get("ja", "rephrase").split("\n")[0] in replied(soba_servers, first)
    second = say(soba_servers, user, text)
    assert "受付番号" in replied(soba_servers, second)
    [row] = soba_servers.rows("SELECT id, reason FROM tickets WHERE sender_id = :s", s=f"line:{user}")
    assert row.reason == "low_confidence"

    say(soba_servers, user, "社長に給料を下げると言われました")
    last = say(soba_servers, user, "同意していません")

    assert no_reply(soba_servers, user, last)
    rows = soba_servers.rows("SELECT author FROM ticket_messages WHERE ticket_id = :t", t=row.id)
    assert [r.author for r in rows] == ["person", "person"]


def test_a_counselor_reply_reaches_a_telegram_chat(soba_servers: Servers) -> None:
    chat = new_chat()
    post_telegram(soba_servers, text_update(chat, "/human"))
    wait_for_messages(soba_servers, chat, containing="受付番号")
    [row] = soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"telegram:{chat}")
    rasa = RasaConversations(soba_servers.rasa_url, soba_servers.token)

    with session_for(soba_servers) as session:
        started = time.monotonic()
        send_reply(session, rasa, session.get(Ticket, row.id), "suzuki", "相談員の鈴木です。状況を教えてください。")
        wait_for_messages(soba_servers, chat, containing="相談員の鈴木です")
        assert time.monotonic() - started < 2.0
