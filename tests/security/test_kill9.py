"""At least once, exactly once in effect: kill -9 at every step of a message's way, lose nothing.

A bounded load runs over LINE, Telegram and the widget: a few people, each
sending a few messages in order; some talk to the bot, some to a counselor
(their messages go to a ticket). The clients behave as the platforms do: LINE
and Telegram send an event again until they get a 200, the widget sends a
message again until it is acked. Meanwhile the Rasa server is killed with
SIGKILL at each crash point of `bot/core/faults.py` in turn, and restarted on
the same database; then the action server is killed after an action wrote to
the database and before Rasa had its answer.

Counted at the end, from the database and the platforms' fakes:
- sent: messages the clients sent; acknowledged: the ones the platform got a
  200 or an ack for; stored: acknowledged messages found in the conversation
  (by their message id);
- lost: acknowledged but not stored (must be 0);
- duplicated: a message stored twice, a ticket message recorded twice, a
  second open ticket, or a stored reply delivered twice (must be 0), apart
  from resent_in_flight: the one reply whose platform call was answered just
  before the `sent` crash and not yet written down, which Telegram (and a LINE
  reply token) cannot recognise as a repeat (docs/security.md);
- order: each conversation's messages are stored in the order they were sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import requests
import sqlalchemy as sa
import websockets

from bot import processes
from bot.db import session_factory
from bot.settings import load_settings
from bot.texts import get_texts
from tests.conftest import LINE_SECRET, TELEGRAM_SECRET, TEST_LIMITS, PlatformFakes, free_port
from tests.fakes.telegram_api import call_params

# The Rasa server's crash points, in the order a message passes them, each hit at its n-th passage.
RASA_CRASHES = ["inbox.stored:3", "turn.stored:3", "outbox.stored:3", "sent:3"]
ACTION_CRASH = "action.done:4"
MESSAGES = {
    # A person who asks questions: answers come back.
    "bot": ["残業代が払われません", "有給休暇を取らせてもらえない", "ありがとう", "上司にどなられる"],
    # A person who asks for a counselor: then every message goes to the ticket.
    "ticket": ["人と話したい", "給料が2か月払われていません", "会社は東京都にあります", "明日また連絡します"],
}


@dataclass
class Sent:
    """One message as the client sent it."""

    conversation: str
    key: str
    text: str
    acknowledged: bool = False


@dataclass
class Cluster:
    """An action server and a Rasa server on fixed ports, restartable on the same database."""

    env: Dict[str, str]
    model: Path
    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    rasa: Any = None
    actions: Any = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self, crash_at: str = "") -> None:
        env = {**self.env, "SOBA_CRASH_AT": crash_at}
        log = self.workdir / f"actions-{self.restarts}.log"
        self.actions = processes.start_action_server(env, self.action_port, log=log)
        processes.wait_until_up(f"http://127.0.0.1:{self.action_port}/health", self.actions)

    def start_rasa(self, crash_at: str = "") -> None:
        env = {**self.env, "SOBA_CRASH_AT": crash_at}
        log = self.workdir / f"rasa-{self.restarts}.log"
        self.rasa = processes.start_rasa_server(env, self.model, self.rasa_port, self.token, log=log)
        processes.wait_until_up(f"{self.url}/", self.rasa)

    def stop(self) -> None:
        for process in (self.rasa, self.actions):
            if process is not None:
                processes.stop(process)


class Clients:
    """LINE, Telegram and widget clients that retry like the platforms do, each person in order."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.sent: List[Sent] = []
        self.widget_frames: Dict[str, List[Dict[str, Any]]] = {}
        # LINE reply token → conversation.
        self.reply_tokens: Dict[str, str] = {}
        self._lock = threading.Lock()
        self._update_id = int(time.time()) % 1_000_000 * 1000

    def _record(self, conversation: str, key: str, text: str) -> Sent:
        message = Sent(conversation, key, text)
        with self._lock:
            self.sent.append(message)
        return message

    def _until_taken(self, path: str, **request: Any) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.post(f"{self.cluster.url}{path}", timeout=30, **request).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError("a platform could not deliver an event in 3 minutes")

    def line(self, user: str, texts: List[str]) -> None:
        for text in texts:
            key = f"01K{uuid.uuid4().hex[:23].upper()}"
            message = self._record(f"line:{user}", key, text)
            token = uuid.uuid4().hex
            self.reply_tokens[token] = f"line:{user}"
            event = {
                "type": "message",
                "mode": "active",
                "timestamp": int(time.time() * 1000),
                "source": {"type": "user", "userId": user},
                "webhookEventId": key,
                "deliveryContext": {"isRedelivery": False},
                "replyToken": token,
                "message": {"id": key, "type": "text", "quoteToken": "q", "text": text},
            }
            body = json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()
            signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()
            headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
            self._until_taken("/webhooks/line/webhook", data=body, headers=headers)
            message.acknowledged = True
            time.sleep(0.4)

    def telegram(self, chat: int, texts: List[str]) -> None:
        for text in texts:
            with self._lock:
                self._update_id += 1
                update_id = self._update_id
            message = self._record(f"telegram:{chat}", str(update_id), text)
            update = {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": int(time.time()),
                    "chat": {"id": chat, "type": "private", "first_name": "A"},
                    "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "ja"},
                    "text": text,
                },
            }
            headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            self._until_taken("/webhooks/telegram/webhook", json=update, headers=headers)
            message.acknowledged = True
            time.sleep(0.4)

    def widget(self, session: str, texts: List[str]) -> None:
        asyncio.run(self._widget(session, texts))

    async def _widget(self, session: str, texts: List[str]) -> None:
        frames = self.widget_frames.setdefault(session, [])
        pending = [(self._record(f"web:{session}", f"{session}/m{i}", text), f"m{i}") for i, text in enumerate(texts)]
        last_seq = 0
        deadline = time.monotonic() + 240
        while pending and time.monotonic() < deadline:
            try:
                url = self.cluster.url.replace("http://", "ws://") + "/widget/ws"
                async with websockets.connect(url) as ws:
                    await ws.send(json.dumps({"type": "hello", "session": session, "last_seq": last_seq}))
                    while pending:
                        message, message_id = pending[0]
                        await ws.send(json.dumps({"type": "message", "id": message_id, "text": message.text}))
                        acked = False
                        while not acked:
                            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                            frames.append(frame)
                            if frame.get("type") == "bot":
                                last_seq = max(last_seq, frame["seq"])
                            if frame.get("type") == "ack" and frame.get("id") == message_id:
                                acked = True
                            if frame.get("type") == "retry" and frame.get("id") == message_id:
                                await asyncio.sleep(frame.get("after", 1))
                                await ws.send(json.dumps({"type": "message", "id": message_id, "text": message.text}))
                        message.acknowledged = True
                        pending.pop(0)
                        await asyncio.sleep(0.4)
                    # Stay a little for the replies (the rest is replayed from the outbox by seq).
                    end = time.monotonic() + 5
                    while time.monotonic() < end:
                        try:
                            frame = json.loads(await asyncio.wait_for(ws.recv(), 1))
                        except asyncio.TimeoutError:
                            continue
                        frames.append(frame)
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException):
                await asyncio.sleep(0.5)


def _rows(url: str, query: str, **params: Any) -> List[Any]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(query), params))
    finally:
        engine.dispose()


def _wait_quiet(url: str, timeout: float = 180) -> None:
    """Until every inbox item is handled and every push-channel reply sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_items = _rows(url, "SELECT count(*) AS n FROM channel_inbox WHERE status = 'received'")[0].n
        unsent = _rows(
            url, "SELECT count(*) AS n FROM channel_outbox WHERE sent_at IS NULL AND channel IN ('line', 'telegram')"
        )[0].n
        if open_items == 0 and unsent == 0:
            return
        time.sleep(1.0)
    raise AssertionError(f"not quiet after {timeout:.0f} s: {open_items} inbox items, {unsent} unsent replies")


def _supervise(cluster: Cluster, crashes: List[str], stop: threading.Event) -> List[Tuple[str, str]]:
    """Restart the Rasa server after each crash, with the next crash point armed; returns what died where."""
    died: List[Tuple[str, str]] = []
    while not stop.is_set():
        if cluster.rasa.poll() is not None:
            died.append(("rasa", crashes[0] if crashes else "?"))
            crashes.pop(0)
            cluster.restarts += 1
            cluster.start_rasa(crashes[0] if crashes else "")
        if cluster.actions.poll() is not None:
            died.append(("actions", ACTION_CRASH))
            cluster.restarts += 1
            cluster.start_actions()
        time.sleep(0.2)
    return died


def _count(cluster: Cluster, clients: Clients, fakes: PlatformFakes, url: str) -> Dict[str, int]:
    stored_ids = Counter(
        json.loads(row.data).get("message_id") for row in _rows(url, "SELECT data FROM events WHERE type_name = 'user'")
    )
    acknowledged = [m for m in clients.sent if m.acknowledged]
    channel = {"line": "line", "telegram": "telegram", "web": "web"}
    ids = {m.key: f"{channel[m.conversation.split(':')[0]]}/{m.key}" for m in clients.sent}
    lost = [m for m in acknowledged if stored_ids[ids[m.key]] == 0]
    duplicated_turns = [m for m in acknowledged if stored_ids[ids[m.key]] > 1]
    # Order per conversation: stored user messages in the order they were sent.
    disordered = []
    for conversation in {m.conversation for m in clients.sent}:
        texts = [
            json.loads(row.data)["text"]
            for row in _rows(
                url, "SELECT data FROM events WHERE type_name = 'user' AND sender_id = :s ORDER BY id", s=conversation
            )
        ]
        if texts != [m.text for m in clients.sent if m.conversation == conversation]:
            disordered.append((conversation, texts))
    # Tickets and their messages, once each.
    open_per_person = _rows(
        url,
        "SELECT sender_id, count(*) AS n FROM tickets WHERE status != 'closed' GROUP BY sender_id HAVING count(*) > 1",
    )
    relayed = _rows(
        url, "SELECT ticket_id, text, count(*) AS n FROM ticket_messages GROUP BY ticket_id, text HAVING count(*) > 1"
    )
    # Replies: each stored reply reached its platform once. Several replies may share a text
    # ("Was this answer helpful?"), so texts are counted per conversation: delivered ≤ stored.
    reply_users = {key: conversation.split(":", 1)[1] for key, conversation in clients.reply_tokens.items()}
    stored_texts: Dict[str, Counter] = {}
    for conversation, message in _rows(url, "SELECT conversation_id, message FROM channel_outbox"):
        text = json.loads(message).get("text")
        if text:
            stored_texts.setdefault(conversation, Counter())[text.strip()] += 1
    delivered: Dict[str, Counter] = {}
    for call in fakes.telegram.calls:
        params = call_params(call) if call.path.endswith("/sendMessage") and call.status == 200 else {}
        if params.get("text"):
            delivered.setdefault(f"telegram:{params['chat_id']}", Counter())[str(params["text"]).strip()] += 1
    for call in fakes.line.calls:
        if call.status != 200 or call.path not in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            continue
        user = call.json.get("to") or reply_users.get(call.json.get("replyToken"))
        for line_message in call.json.get("messages", []):
            if line_message.get("text") and line_message["text"] != "👇":
                delivered.setdefault(f"line:{user}", Counter())[line_message["text"].strip()] += 1
    # "Soba cannot answer right now" is told without the database, on purpose: it is no stored reply.
    notices = {get_texts().get(language, "service_unavailable").strip() for language in ("ja", "en")}
    delivered_twice = [
        (conversation, text[:40], count, stored_texts.get(conversation, Counter())[text])
        for conversation, texts in delivered.items()
        if conversation in stored_texts
        for text, count in texts.items()
        if count > stored_texts[conversation][text] and text not in notices
    ]
    for session, frames in clients.widget_frames.items():
        seqs = [f["seq"] for f in frames if f.get("type") == "bot"]
        shown = sorted(set(seqs))
        if shown != list(range(1, len(shown) + 1)):
            delivered_twice.append((f"web:{session}", "gap in seqs", shown, None))
    debug = [
        (row.sender_id, json.loads(row.data).get("message_id"), row.id)
        for row in _rows(url, "SELECT id, sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
    ]
    if duplicated_turns:
        print("USER EVENTS", debug)
        print(
            "INBOX",
            [
                tuple(r)
                for r in _rows(url, "SELECT id, conversation_id, event_key, status, attempts FROM channel_inbox")
            ],
        )
    for problem in (duplicated_turns, open_per_person, relayed, delivered_twice, disordered):
        for item in problem:
            print("PROBLEM", item)
    # A crash between the platform's OK and Soba's record of it (the `sent` point) makes Soba send
    # that one message again: LINE drops a push with a known retry key, Telegram and a LINE reply
    # token have no such key. Those resends are counted apart; everything else must be 0.
    in_flight = [d for d in delivered_twice if d[0].startswith(("telegram:", "line:")) and d[2] - d[3] == 1]
    return {
        "sent": len(clients.sent),
        "acknowledged": len(acknowledged),
        "stored": sum(1 for m in acknowledged if stored_ids[ids[m.key]] >= 1),
        "lost": len(lost),
        "duplicated": len(duplicated_turns)
        + len(open_per_person)
        + len(relayed)
        + len(delivered_twice)
        - len(in_flight),
        "resent_in_flight": len(in_flight),
        "disordered": len(disordered),
        "restarts": cluster.restarts,
    }


@pytest.mark.e2e
def test_h3_kill_9_at_every_step_loses_nothing_and_handles_nothing_twice(
    trained_model: Path, platform_fakes: PlatformFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'soba.db'}"
    settings = load_settings(env={"SOBA_DATABASE_URL": database_url})
    session_factory(database_url)
    cluster = Cluster(env={}, model=trained_model, workdir=tmp_path)
    cluster.env = processes.child_env(
        settings,
        action_port=cluster.action_port,
        extra={**platform_fakes.env(), **TEST_LIMITS, "SOBA_DATABASE_URL": database_url},
    )
    crashes = list(RASA_CRASHES)
    cluster.start_actions(ACTION_CRASH)
    cluster.start_rasa(crashes[0])
    clients = Clients(cluster)
    people = [
        threading.Thread(target=clients.line, args=(f"U{uuid.uuid4().hex}", MESSAGES["bot"])),
        threading.Thread(target=clients.line, args=(f"U{uuid.uuid4().hex}", MESSAGES["ticket"])),
        threading.Thread(target=clients.telegram, args=(7_000_000_000 + secrets.randbelow(10**6), MESSAGES["bot"])),
        threading.Thread(target=clients.telegram, args=(7_100_000_000 + secrets.randbelow(10**6), MESSAGES["ticket"])),
        threading.Thread(target=clients.widget, args=(str(uuid.uuid4()), MESSAGES["bot"])),
        threading.Thread(target=clients.widget, args=(str(uuid.uuid4()), MESSAGES["ticket"])),
    ]
    stop = threading.Event()
    died: List[Tuple[str, str]] = []
    supervisor = threading.Thread(target=lambda: died.extend(_supervise(cluster, crashes, stop)))
    supervisor.start()
    try:
        for person in people:
            person.start()
        for person in people:
            person.join(timeout=300)
        _wait_quiet(database_url)
    finally:
        stop.set()
        supervisor.join()
        figures = _count(cluster, clients, platform_fakes, database_url)
        cluster.stop()

    with capsys.disabled():  # shown in every `make test`, not only when the test fails
        print(
            "\nkill -9 under load — crashes: "
            + ", ".join(f"{process}@{point}" for process, point in died)
            + "\n"
            + " | ".join(f"{name} {value}" for name, value in figures.items())
        )
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    # At most the one message in flight at the single `sent` crash.
    assert figures["resent_in_flight"] <= RASA_CRASHES.count("sent:3")
    assert figures["disordered"] == 0
    assert figures["acknowledged"] == figures["sent"]
    assert len(died) >= 3, died
