"""The security review's attacks (../shared/reviews/security-review-2026-12.md), replayed: each now fails.

Each test is named after its finding (h1, h2, m1 …, l11) and listed in
docs/security.md. The console's findings (M6–M9, L5, L9, L10, L12) are in
tests/console/test_security_review.py; the kill -9 tests of H3 in
tests/security/test_kill9.py; retention (L8) in tests/security/test_retention.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
import websockets

from bot.core.contract import CRISIS_INTENT
from tests.channels.test_line import new_user, sent_to, text_event
from tests.channels.test_line import post as post_line
from tests.channels.test_telegram import new_chat, text_update, wait_for_messages
from tests.channels.test_telegram import post as post_telegram
from tests.conftest import PlatformFakes, Servers, running_servers
from tests.test_end_to_end import decision, new_sender

e2e = pytest.mark.e2e


def rest(servers: Servers, body: Any) -> requests.Response:
    return requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)


def custom_of(messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    [found] = [m["custom"] for m in messages if "custom" in m]
    return found


# --- H1: the REST channel cannot reach another channel's conversation ------------------------


@e2e
@pytest.mark.parametrize("named", ["{chat}", "telegram:{chat}"])
def test_h1_rest_cannot_cancel_or_read_a_telegram_users_ticket(soba_servers: Servers, named: str) -> None:
    chat = new_chat()
    post_telegram(soba_servers, text_update(chat, "人と話したい"))
    wait_for_messages(soba_servers, chat, containing="受付番号")
    [ticket] = soba_servers.rows("SELECT id, status FROM tickets WHERE sender_id = :s", s=f"telegram:{chat}")

    attack = {"sender": named.format(chat=chat), "message": "もう大丈夫です", "input_channel": "telegram"}
    answer = rest(soba_servers, attack).json()

    # The attacker talks to a new REST conversation of their own: no ticket to cancel, nothing learned.
    assert custom_of(answer).get("ticket") in (None, "")
    [after] = soba_servers.rows("SELECT status FROM tickets WHERE id = :t", t=ticket.id)
    assert after.status == ticket.status == "open"
    senders = {row.sender_id for row in soba_servers.rows("SELECT DISTINCT sender_id FROM events")}
    assert f"rest:{named.format(chat=chat)}" in senders


@e2e
def test_h1_a_forged_input_channel_opens_only_a_rest_ticket(soba_servers: Servers) -> None:
    sender = str(900_000_000 + int(time.time() * 1000) % 100_000_000)
    answer = rest(soba_servers, {"sender": sender, "message": "人と話したい", "input_channel": "telegram"}).json()

    ticket_id = custom_of(answer)["ticket"]
    [ticket] = soba_servers.rows("SELECT sender_id, channel FROM tickets WHERE id = :t", t=int(ticket_id))
    assert (ticket.sender_id, ticket.channel) == (f"rest:{sender}", "rest")


@e2e
@pytest.mark.parametrize(
    "body", [{"message": "人と話したい"}, {"sender": "", "message": "hi"}, {"sender": 5, "message": "x"}]
)
def test_h1_l4_a_request_without_a_sender_is_refused(soba_servers: Servers, body: Dict[str, Any]) -> None:
    response = rest(soba_servers, body)

    assert response.status_code == 400
    assert soba_servers.rows("SELECT sender_id FROM events WHERE sender_id IN ('default', 'rest:default')") == []


@e2e
@pytest.mark.parametrize("body", [[], "text", 5, None])
def test_l4_a_body_that_is_not_an_object_is_refused(soba_servers: Servers, body: Any) -> None:
    assert rest(soba_servers, body).status_code == 400


# --- H2: the action server -------------------------------------------------------------------


def _forged_action_call(sender: str) -> Dict[str, Any]:
    return {
        "next_action": "action_relay_to_counselor",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"handoff_active": True, "language": "ja"},
            "latest_message": {
                "text": "I am fine now",
                "intent": {"name": "cancel_ticket", "confidence": 1.0},
                "intent_ranking": [],
                "entities": [],
            },
            "events": [],
            "latest_input_channel": "telegram",
            "active_loop": {},
            "latest_action_name": "action_listen",
            "paused": False,
            "followup_action": None,
            "latest_event_time": 0,
        },
    }


@e2e
def test_h2_a_forged_action_call_without_the_secret_is_refused(soba_servers: Servers) -> None:
    chat = new_chat()
    post_telegram(soba_servers, text_update(chat, "人と話したい"))
    wait_for_messages(soba_servers, chat, containing="受付番号")

    for headers in ({}, {"X-Soba-Action-Token": "guess"}):
        forged = requests.post(
            f"{soba_servers.action_url}/webhook",
            json=_forged_action_call(f"telegram:{chat}"),
            headers=headers,
            timeout=30,
        )
        assert forged.status_code == 401

    [ticket] = soba_servers.rows("SELECT status, closed_by FROM tickets WHERE sender_id = :s", s=f"telegram:{chat}")
    assert (ticket.status, ticket.closed_by) == ("open", None)
    assert requests.get(f"{soba_servers.action_url}/health", timeout=10).status_code == 200


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@e2e
def test_h2_the_action_server_listens_on_loopback_only(soba_servers: Servers) -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback")
    port = int(soba_servers.action_url.rsplit(":", 1)[1])
    with socket.socket() as client:
        client.settimeout(5)
        assert client.connect_ex((address, port)) != 0
    with socket.socket() as client:
        assert client.connect_ex(("127.0.0.1", port)) == 0


# --- M1: the API token is off the command line --------------------------------------------------


def _command_lines() -> List[str]:
    lines = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                lines.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                continue
    return lines


@e2e
def test_m1_no_secret_is_on_any_command_line(soba_servers: Servers) -> None:
    from bot.api_token import action_server_token

    everyone_sees = "\n".join(_command_lines())
    assert "bot.server" in everyone_sees
    assert soba_servers.token not in everyone_sees
    assert action_server_token() not in everyone_sees
    assert "--auth-token" not in everyone_sees


def test_m1_the_server_refuses_a_token_on_its_command_line() -> None:
    from bot.server import main

    with pytest.raises(SystemExit) as refused:
        main(["--auth-token=abc"])
    assert "never on the command line" in str(refused.value)


# --- M2: the database file and var/ are owner-only ----------------------------------------------


def test_m2_the_database_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    from bot.db import session_factory

    folder = tmp_path / "var"
    sessions = session_factory(f"sqlite:///{folder / 'soba.db'}")
    with sessions() as session:
        session.execute(__import__("sqlalchemy").text("SELECT 1"))

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_m2_soba_run_makes_var_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import cli, paths

    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    monkeypatch.setattr(paths, "VAR_DIR", var)
    cli.secure_var_dir()
    assert stat.S_IMODE(var.stat().st_mode) == 0o700


# --- M3: a locked database ----------------------------------------------------------------------


def test_m3_rasa_keeps_the_real_tracker_store_without_an_in_memory_fallback() -> None:
    from rasa.core.agent import Agent
    from rasa.shared.core.domain import Domain

    from bot import rasa_patches
    from bot.core.tracker_store import SobaTrackerStore

    rasa_patches.apply()
    store = SobaTrackerStore(Domain.load("domain.yml"), host="sqlite://")
    assert Agent._create_tracker_store(store, Domain.load("domain.yml")) is store


def test_m3_a_locked_database_fails_the_turn_instead_of_storing_nothing_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from rasa.shared.core.domain import Domain
    from sqlalchemy.exc import OperationalError

    from bot.core.tracker_store import SobaTrackerStore
    from bot.db import session_factory

    monkeypatch.setenv("SOBA_DB_BUSY_TIMEOUT_MS", "300")
    url = f"sqlite:///{tmp_path / 'soba.db'}"
    session_factory(url)
    store = SobaTrackerStore(Domain.load("domain.yml"), host=url)
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("line:Uperson", slots=[])
    tracker.update(UserUttered("上司の名前は佐藤です"))
    lock = sqlite3.connect(tmp_path / "soba.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        # WAL lets readers through; a turn's write waits for the busy timeout, then fails loudly.
        with pytest.raises(OperationalError):
            asyncio.run(store.save(tracker))
    finally:
        lock.execute("ROLLBACK")
        lock.close()


@pytest.fixture(scope="module")
def strict_servers(
    trained_model: Path, platform_fakes: PlatformFakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    """Servers with settings.yml's own limits and a short busy timeout, for the abuse and lock tests."""
    workdir = tmp_path_factory.mktemp("strict")
    os.environ["SOBA_DB_BUSY_TIMEOUT_MS"] = "1000"
    try:
        with running_servers(
            trained_model, platform_fakes, workdir, f"sqlite:///{workdir / 'soba.db'}", limits={}
        ) as servers:
            yield servers
    finally:
        del os.environ["SOBA_DB_BUSY_TIMEOUT_MS"]


async def _widget(servers: Servers, session: str, frames: List[Dict[str, Any]], wait: float) -> List[Dict[str, Any]]:
    url = servers.rasa_url.replace("http://", "ws://") + "/widget/ws"
    received: List[Dict[str, Any]] = []
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "session": session, "last_seq": 0, "language": "ja"}))
        received.append(json.loads(await ws.recv()))
        for frame in frames:
            await ws.send(json.dumps(frame))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                received.append(json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic())))
            except asyncio.TimeoutError:
                break
    return received


@e2e
def test_m3_while_the_database_is_locked_the_widget_is_told_and_its_message_is_kept(strict_servers: Servers) -> None:
    import sqlite3

    database = strict_servers.database_url.removeprefix("sqlite:///")
    session = str(uuid.uuid4())
    lock = sqlite3.connect(database, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        frames = asyncio.run(
            _widget(strict_servers, session, [{"type": "message", "id": "m1", "text": "残業代が払われません"}], 3)
        )
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    [retry] = [f for f in frames if f["type"] == "retry"]
    assert retry["id"] == "m1" and retry["reason"] == "unavailable"
    assert "110" in retry["notice"] and "0120-279-338" in retry["notice"]
    assert not [f for f in frames if f["type"] == "ack"]

    # The widget sends it again (it kept it queued); now it is taken and answered once.
    again = asyncio.run(
        _widget(strict_servers, session, [{"type": "message", "id": "m1", "text": "残業代が払われません"}], 15)
    )
    assert [f["type"] for f in again].count("ack") == 1
    assert any(f["type"] == "bot" and (f["message"].get("custom") or {}).get("type") for f in again)


@e2e
def test_m3_a_locked_database_gives_a_rest_client_the_numbers_not_a_new_conversation(strict_servers: Servers) -> None:
    import sqlite3

    database = strict_servers.database_url.removeprefix("sqlite:///")
    sender = new_sender()
    lock = sqlite3.connect(database, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        response = rest(strict_servers, {"sender": sender, "message": "上司の名前は佐藤です"})
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert response.status_code == 503
    [notice] = response.json()
    assert notice["custom"] == {"type": "unavailable"} and "0120-279-338" in notice["text"]


# --- M4: content-free text is never crisis; tickets are limited per address ---------------------


@e2e
@pytest.mark.parametrize("text", ["...", "…", "。。。", "😭", "・・・", "a" * 3000, "x" * 30000])
def test_m4_content_free_or_truncated_text_never_raises_a_crisis(soba_servers: Servers, text: str) -> None:
    sender = new_sender()
    messages = soba_servers.say(sender, text)

    assert decision(messages)["type"] != CRISIS_INTENT
    assert soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"rest:{sender}") == []


@e2e
def test_m4_new_tickets_from_one_address_are_limited_and_a_crisis_joins_the_urgent_one(strict_servers: Servers) -> None:
    from bot.settings import load_settings

    limit = load_settings().limits.tickets_per_address_per_hour
    first_crisis = custom_of(rest(strict_servers, {"sender": new_sender(), "message": "もう死にたい"}).json())
    assert first_crisis["type"] == "crisis" and first_crisis["ticket"]
    for _ in range(limit - 1):
        assert custom_of(rest(strict_servers, {"sender": new_sender(), "message": "人と話したい"}).json())["ticket"]
    before = len(strict_servers.rows("SELECT id FROM tickets"))

    refused = rest(strict_servers, {"sender": new_sender(), "message": "人と話したい"}).json()
    crisis = rest(strict_servers, {"sender": new_sender(), "message": "もう死にたい"}).json()

    assert custom_of(refused)["ticket"] is None
    assert "0120-811-610" in " ".join(m.get("text") or "" for m in refused)
    # The crisis reply is never limited; its ticket is the address's urgent one, with a note.
    assert custom_of(crisis)["type"] == "crisis" and "0120-279-338" in " ".join(m.get("text") or "" for m in crisis)
    assert custom_of(crisis)["ticket"] == first_crisis["ticket"]
    assert len(strict_servers.rows("SELECT id FROM tickets")) == before
    notes = strict_servers.rows("SELECT text FROM ticket_notes WHERE ticket_id = :t", t=int(first_crisis["ticket"]))
    assert len(notes) == 1 and "もう死にたい" in notes[0].text


# --- M5: a widget flood ---------------------------------------------------------------------------


@e2e
def test_m5_a_widget_flood_is_told_to_slow_down_and_others_are_still_answered(strict_servers: Servers) -> None:
    from bot.settings import load_settings

    burst = load_settings().limits.conversation_burst
    session = str(uuid.uuid4())
    flood = [{"type": "message", "id": f"k{i}", "text": f"テスト{i}"} for i in range(60)]

    frames = asyncio.run(_widget(strict_servers, session, flood, 2))
    other = strict_servers.say(new_sender(), "残業代が払われません")

    acked = [f["id"] for f in frames if f["type"] == "ack"]
    retried = [f for f in frames if f["type"] == "retry"]
    assert len(acked) <= burst + 1
    assert len(retried) >= 60 - burst - 1 and all(r["reason"] == "rate_limited" and r["after"] > 0 for r in retried)
    taken = strict_servers.rows(
        "SELECT count(*) AS n FROM channel_inbox WHERE conversation_id = :c", c=f"web:{session}"
    )
    assert taken[0].n == len(acked)
    assert decision(other)["type"] == "faq_answer"


@e2e
def test_m5_a_crisis_message_is_never_rate_limited(strict_servers: Servers) -> None:
    session = str(uuid.uuid4())
    flood = [{"type": "message", "id": f"k{i}", "text": "テスト"} for i in range(30)]
    flood.append({"type": "message", "id": "sos", "text": "もう死にたい"})

    frames = asyncio.run(_widget(strict_servers, session, flood, 20))

    assert {"type": "ack", "id": "sos"} in frames


# --- L1, L2, L3: bad widget frames and text -------------------------------------------------------


@e2e
@pytest.mark.parametrize("last_seq", [2**63, True, "5", 2**31])
def test_l1_a_bogus_last_seq_is_a_bad_hello(soba_servers: Servers, last_seq: Any) -> None:
    async def attempt() -> tuple[Dict[str, Any], int | None]:
        url = soba_servers.rasa_url.replace("http://", "ws://") + "/widget/ws"
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "hello", "session": str(uuid.uuid4()), "last_seq": last_seq}))
            error = json.loads(await ws.recv())
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            return error, closed.value.rcvd.code if closed.value.rcvd else None

    error, code = asyncio.run(attempt())
    assert error == {"type": "error", "error": "bad_hello"} and code == 1008


def test_l1_a_refused_hello_leaves_no_registered_connection() -> None:
    from bot.channels.web import WebChannel

    class Socket:
        async def send(self, _: str) -> None:
            return None

        async def close(self, *_: Any) -> None:
            return None

    channel = WebChannel()
    for bogus in (2**63, True, "5"):
        hello = {"type": "hello", "session": str(uuid.uuid4()), "last_seq": bogus}
        assert asyncio.run(channel._hello(Socket(), hello)) is None
    assert len(channel.connections) == 0


@e2e
def test_l2_a_deeply_nested_widget_frame_gets_an_error_and_the_socket_stays_open(soba_servers: Servers) -> None:
    nested = '{"type":"message","x":' + "[" * 50_000 + "]" * 50_000 + "}"

    async def attempt() -> List[Dict[str, Any]]:
        url = soba_servers.rasa_url.replace("http://", "ws://") + "/widget/ws"
        async with websockets.connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"type": "hello", "session": str(uuid.uuid4()), "last_seq": 0}))
            await ws.recv()
            await ws.send(nested)
            error = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send(json.dumps({"type": "ping"}))
            return [error, json.loads(await asyncio.wait_for(ws.recv(), 10))]

    assert asyncio.run(attempt()) == [{"type": "error", "error": "bad_frame"}, {"type": "pong"}]


@e2e
def test_l2_a_deeply_nested_signed_line_body_is_a_400(soba_servers: Servers) -> None:
    from tests.channels.test_line import LINE_SECRET, signed

    body = '{"destination":"U","events":' + "[" * 5000 + "]" * 5000 + "}"
    payload = body.encode()
    import base64
    import hashlib
    import hmac

    signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), payload, hashlib.sha256).digest()).decode()
    response = requests.post(
        f"{soba_servers.rasa_url}/webhooks/line/webhook",
        data=payload,
        headers={"X-Line-Signature": signature, "Content-Type": "application/json"},
        timeout=30,
    )
    assert signed  # the helper the other LINE tests sign with
    assert response.status_code == 400


@e2e
def test_l3_text_with_lone_surrogates_is_answered_and_stored(soba_servers: Servers) -> None:
    sender = new_sender()
    # JSON escapes: a valid pair, 残業代が払われない, then a lone high surrogate.
    message = r"\ud800\udc00\u6b8b\u696d\u4ee3\u304c\u6255\u308f\u308c\u306a\u3044\ud800"
    body = '{"sender": "' + sender + '", "message": "' + message + '"}'
    response = requests.post(
        f"{soba_servers.rasa_url}/webhooks/rest/webhook",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )

    assert response.status_code == 200
    assert decision(response.json())["type"] in {"faq_answer", "clarify", "rephrase"}
    stored = soba_servers.rows(
        "SELECT count(*) AS n FROM events WHERE sender_id = :s AND type_name = 'user'", s=f"rest:{sender}"
    )
    assert stored[0].n == 1


@e2e
def test_l3_the_widget_answers_text_with_lone_surrogates(soba_servers: Servers) -> None:
    frame = '{"type":"message","id":"s1","text":"\\ud800\\u6b8b\\u696d\\u4ee3\\u304c\\u51fa\\u306a\\u3044"}'

    async def attempt() -> List[Dict[str, Any]]:
        url = soba_servers.rasa_url.replace("http://", "ws://") + "/widget/ws"
        received: List[Dict[str, Any]] = []
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "hello", "session": str(uuid.uuid4()), "last_seq": 0}))
            await ws.recv()
            await ws.send(frame)
            while not any(f.get("type") == "bot" and "custom" in f["message"] for f in received):
                received.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
        return received

    frames = asyncio.run(attempt())
    assert {"type": "ack", "id": "s1"} in frames


# --- L6: LINE events without an id, and old ones ------------------------------------------------


@e2e
def test_l6_a_line_event_without_webhook_event_id_posted_twice_is_handled_once(soba_servers: Servers) -> None:
    user = new_user()
    body = text_event(user, "残業代が払われません")
    del body["webhookEventId"]

    assert post_line(soba_servers, body).status_code == 200
    sent_to(soba_servers, user, body["replyToken"])
    assert post_line(soba_servers, body).status_code == 200
    last = text_event(user, "ありがとう")
    post_line(soba_servers, last)
    sent_to(soba_servers, user, last["replyToken"])

    users = soba_servers.rows(
        "SELECT count(*) AS n FROM events WHERE sender_id = :s AND type_name = 'user'", s=f"line:{user}"
    )
    assert users[0].n == 2


@e2e
def test_l6_a_line_event_older_than_the_redelivery_record_is_refused(soba_servers: Servers) -> None:
    from bot.settings import load_settings

    user = new_user()
    body = text_event(user, "残業代が払われません")
    days = load_settings().retention.redelivery_days
    body["timestamp"] = int((time.time() - (days + 1) * 86400) * 1000)

    assert post_line(soba_servers, body).status_code == 200
    last = text_event(user, "ありがとう")
    post_line(soba_servers, last)
    sent_to(soba_servers, user, last["replyToken"])
    texts = [
        json.loads(row.data).get("text")
        for row in soba_servers.rows(
            "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'", s=f"line:{user}"
        )
    ]
    assert texts == ["ありがとう"]


# --- L11: no version on the open routes ----------------------------------------------------------


@e2e
def test_l11_the_open_routes_do_not_tell_the_rasa_version(soba_servers: Servers) -> None:
    import rasa

    home = requests.get(f"{soba_servers.rasa_url}/", timeout=10)
    version = requests.get(f"{soba_servers.rasa_url}/version", timeout=10)

    assert home.status_code == 200 and rasa.__version__ not in home.text
    assert version.status_code == 404 and rasa.__version__ not in version.text
    assert soba_servers.api("GET", "/version").json()["version"] == rasa.__version__
