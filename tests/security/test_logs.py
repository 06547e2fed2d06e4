"""The logs hold no message text, no reply text and no personal id (security review L7).

A conversation on every channel, a hand-off and a counselor's reply go
through the running servers with words and ids nobody else uses; then both
servers' logs (at INFO, as `soba run` writes them) are searched for them.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import websockets

from bot.handoff.conversation import RasaConversations, send_reply
from bot.handoff.models import Ticket
from tests.channels.test_line import new_user, sent_to, text_event
from tests.channels.test_line import post as post_line
from tests.channels.test_telegram import new_chat, text_update, wait_for_messages
from tests.channels.test_telegram import post as post_telegram
from tests.conftest import Servers
from tests.handoff.test_pause_and_resume import session_for


@pytest.mark.e2e
def test_l7_no_text_reply_or_personal_id_reaches_the_logs(soba_servers: Servers) -> None:
    marker = f"PRIVATE{uuid.uuid4().hex[:8]}"
    said = f"{marker} 山田花子です。電話は090-1111-2222、残業代が払われません"
    reply = f"{marker}-REPLY 明日10時にお電話します"
    rest_sender, user, chat, session = f"rest-{uuid.uuid4().hex[:10]}", new_user(), new_chat(), str(uuid.uuid4())

    soba_servers.say(rest_sender, said)
    soba_servers.say(rest_sender, "人と話したい")
    event = text_event(user, said)
    post_line(soba_servers, event)
    sent_to(soba_servers, user, event["replyToken"])
    post_telegram(soba_servers, text_update(chat, said))
    wait_for_messages(soba_servers, chat)

    async def widget() -> None:
        url = soba_servers.rasa_url.replace("http://", "ws://") + "/widget/ws"
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "hello", "session": session, "last_seq": 0}))
            await ws.send(json.dumps({"type": "message", "id": "p1", "text": said}))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame.get("type") == "bot" and "custom" in frame["message"]:
                    return

    asyncio.run(widget())
    [row] = soba_servers.rows("SELECT id FROM tickets WHERE sender_id = :s", s=f"rest:{rest_sender}")
    with session_for(soba_servers) as db:
        send_reply(
            db, RasaConversations(soba_servers.rasa_url, soba_servers.token), db.get(Ticket, row.id), "tanaka", reply
        )

    logs = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in soba_servers.logs)
    for secret in (marker, "山田花子", "090-1111-2222", rest_sender, user, str(chat), session):
        assert secret not in logs, f"{secret!r} is in the logs"
