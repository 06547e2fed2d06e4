# ruff: noqa
"""How release-2026-12-07.sqlite.sql was made: the 2026-12-07 release's own code and servers wrote it.

Run from a checkout of that release (commit 8c09283), e.g.
`git worktree add /tmp/release 8c09283 && cd /tmp/release && PYTHONPATH=. python make_release_db.py`,
with a model trained by that release in /work/main/models; then `sqlite3 release.db .dump`.
It imports that release's modules (seen_events, web_outbox), which no longer exist.
"""

"""Build a database with the release code (git HEAD 8c09283): real conversations through the real servers."""
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, "/tmp/release")
os.chdir("/tmp/release")
DB = Path("/work/staging/release/release.db")
if DB.exists():
    DB.unlink()
os.environ["SOBA_DATABASE_URL"] = f"sqlite:///{DB}"
import requests

from bot import processes
from bot.db import session_factory
from bot.settings import load_settings

settings = load_settings()
sessions = session_factory(os.environ["SOBA_DATABASE_URL"])
env = processes.child_env(settings, action_port=6155)
env["SOBA_DATABASE_URL"] = os.environ["SOBA_DATABASE_URL"]
from tests.fakes.line_api import FakeLineApi
from tests.fakes.telegram_api import FakeTelegramApi

line_fake = FakeLineApi().start()
tg_fake = FakeTelegramApi().start()
env.update(
    {
        "SOBA_LINE_API": line_fake.url,
        "SOBA_LINE_DATA_API": line_fake.url,
        "SOBA_TELEGRAM_API": tg_fake.url,
        "LINE_CHANNEL_SECRET": "sec",
        "LINE_CHANNEL_ACCESS_TOKEN": line_fake.access_token,
        "TELEGRAM_BOT_TOKEN": tg_fake.token,
        "TELEGRAM_SECRET_TOKEN": "tgsec",
    }
)
model = Path("/work/main/models").glob("*.tar.gz").__next__()
acts = processes.start_action_server(env, 6155, log=Path("/work/staging/release/actions.log"))
rasa = processes.start_rasa_server(env, model, 6105, auth_token="tok", log=Path("/work/staging/release/rasa.log"))
try:
    processes.wait_until_up("http://127.0.0.1:6155/health", acts)
    processes.wait_until_up("http://127.0.0.1:6105/", rasa)

    def say(sender, text, metadata=None):
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        r = requests.post("http://127.0.0.1:6105/webhooks/rest/webhook", json=body, timeout=60)
        r.raise_for_status()
        return r.json()

    print(say("rest-answer", "残業代が払われません"))
    print(say("rest-answer", "ありがとう"))
    print(say("rest-en", "My boss fired me without notice. What can I do?"))
    print(say("rest-human", "人と話したい"))
    print(say("rest-human", "東京都で働いています"))
    print(say("rest-human", "上司の名前は佐藤です。電話は090-1234-5678"))
    print(say("rest-crisis", "もう死にたい"))
    print(say("rest-feedback", '/feedback_positive{"topic":"overtime_pay"}'))
    import asyncio
    import base64
    import hashlib
    import hmac

    import websockets

    uid = "U" + "a1" * 16

    def line(text, eid):
        body = json.dumps(
            {
                "destination": "Uxxx",
                "events": [
                    {
                        "type": "message",
                        "mode": "active",
                        "timestamp": int(time.time() * 1000),
                        "source": {"type": "user", "userId": uid},
                        "webhookEventId": eid,
                        "deliveryContext": {"isRedelivery": False},
                        "replyToken": uuid.uuid4().hex,
                        "message": {
                            "id": str(int(time.time() * 1000)),
                            "type": "text",
                            "quoteToken": "q",
                            "text": text,
                        },
                    }
                ],
            },
            ensure_ascii=False,
        ).encode()
        sig = base64.b64encode(hmac.new(b"sec", body, hashlib.sha256).digest()).decode()
        r = requests.post(
            "http://127.0.0.1:6105/webhooks/line/webhook",
            data=body,
            headers={"X-Line-Signature": sig, "Content-Type": "application/json"},
        )
        print("line", r.status_code)

    line("人と話したい", "01HRELEASELINE00000000001")
    time.sleep(4)
    line("大阪府です", "01HRELEASELINE00000000002")
    time.sleep(4)

    def tg(text, uid_):
        upd = {
            "update_id": uid_,
            "message": {
                "message_id": uid_,
                "date": int(time.time()),
                "chat": {"id": 424242, "type": "private", "first_name": "A"},
                "from": {"id": 424242, "is_bot": False, "first_name": "A", "language_code": "vi"},
                "text": text,
            },
        }
        r = requests.post(
            "http://127.0.0.1:6105/webhooks/telegram/webhook",
            json=upd,
            headers={"X-Telegram-Bot-Api-Secret-Token": "tgsec"},
        )
        print("tg", r.status_code)

    tg("I want to talk to a human", 800001)
    time.sleep(4)

    async def widget():
        async with websockets.connect("ws://127.0.0.1:6105/widget/ws") as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "session": "5f0c2b8e-8d5e-4c1b-9a3e-2f1e0d9c8b7a",
                        "last_seq": 0,
                        "language": "ja",
                    }
                )
            )
            await ws.send(
                json.dumps({"type": "message", "id": "w1", "text": "有給休暇はもらえますか", "language": "ja"})
            )
            await asyncio.sleep(5)

    asyncio.run(widget())
finally:
    processes.stop(rasa)
    processes.stop(acts)
# Release code paths for the other tables.
from bot.channels.seen_events import first_delivery

from bot.channels import payloads, web_outbox
from bot.console import audit
from bot.console.accounts import create_staff
from bot.console.models import Role
from bot.handoff import lifecycle
from bot.handoff.models import Ticket

url = os.environ["SOBA_DATABASE_URL"]
first_delivery("line", "01HRELEASEEVENT0000000000", url)
first_delivery("telegram", "900001", url)
web_outbox.first_receipt("0b6f1d3e-1c2a-4f5e-8a9b-0c1d2e3f4a5b", "m1", url)
web_outbox.append("0b6f1d3e-1c2a-4f5e-8a9b-0c1d2e3f4a5b", {"text": "こんにちは", "custom": {"type": "greet"}}, url)
payloads.shorten('/feedback_negative{"topic":"equal_treatment_nonregular"}', 40, url)
with sessions() as s:
    create_staff(s, "tanaka", "田中", Role.COUNSELOR, "correct horse battery")
    t = s.query(Ticket).filter_by(sender_id="rest-human").one()
    lifecycle.assign(s, t, "tanaka")
    lifecycle.add_note(s, t, "tanaka", "電話希望。夕方以降。")
    lifecycle.record_staff_reply(s, t, "tanaka", "田中です。詳しく教えてください。")
    s.commit()
    audit.record(s, "tanaka", audit.Action.LOGIN, ip="127.0.0.1")
    audit.record(s, "tanaka", audit.Action.VIEW_TICKET, ticket_id=t.id, ip="127.0.0.1")
    audit.record(s, "tanaka", audit.Action.REPLY, ticket_id=t.id, ip="127.0.0.1")
print("ok")
