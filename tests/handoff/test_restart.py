"""Restarting every process in the middle of an open ticket loses nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.db import session_factory
from bot.handoff.conversation import RasaConversations, send_reply, transcript
from bot.handoff.models import Ticket
from bot.texts import get_texts
from tests.channels.test_line import new_user, post, text_event, texts_of
from tests.conftest import PlatformFakes, Servers, running_servers
from tests.handoff.test_pause_and_resume import replied

pytestmark = pytest.mark.e2e


def wait_for_rows(servers: Servers, query: str, count: int, **params: object) -> list:
    """The query's rows once there are `count` of them (the turn runs in the background)."""
    deadline = time.monotonic() + 20
    rows = servers.rows(query, **params)
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = servers.rows(query, **params)
    return rows


def test_an_open_ticket_survives_a_restart_of_every_process(
    trained_model: Path, platform_fakes: PlatformFakes, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'soba.db'}"
    user = new_user()

    with running_servers(trained_model, platform_fakes, tmp_path / "first", database_url) as servers:
        ask = text_event(user, "人の相談員と話したいです")
        post(servers, ask)
        assert "受付番号" in replied(servers, ask["replyToken"])
        before = text_event(user, "給料が2か月払われていません")
        post(servers, before)
        assert get_texts().get("ja", "relay_ack") in replied(servers, before["replyToken"])

    with running_servers(trained_model, platform_fakes, tmp_path / "second", database_url) as servers:
        after = text_event(user, "会社は倒産しそうです")
        post(servers, after)
        # Still paused: the message goes to the ticket; the acknowledgement is not repeated.
        [row] = servers.rows("SELECT id, status FROM tickets WHERE sender_id = :s", s=f"line:{user}")
        rasa = RasaConversations(servers.rasa_url, servers.token)
        texts = wait_for_rows(servers, "SELECT text FROM ticket_messages WHERE ticket_id = :t ORDER BY id", 2, t=row.id)
        assert [r.text for r in texts] == ["給料が2か月払われていません", "会社は倒産しそうです"]

        with session_factory(database_url)() as session:
            send_reply(session, rasa, session.get(Ticket, row.id), "tanaka", "相談員の田中です")
        pushes = servers.fakes.line.wait_for(
            lambda calls: any(c.path == "/v2/bot/message/push" and c.json["to"] == user for c in calls)
        )
        pushed = [m for c in pushes if c.path.endswith("/push") and c.json["to"] == user for m in c.json["messages"]]
        assert "相談員の田中です" in texts_of(pushed)
        user_lines = [
            line["text"] for line in transcript(rasa.tracker_events(f"line:{user}")) if line["role"] == "user"
        ]
        assert user_lines == ["人の相談員と話したいです", "給料が2か月払われていません", "会社は倒産しそうです"]
