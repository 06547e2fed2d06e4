"""The embeddable web chat widget: a Rasa input channel with a WebSocket that can push.

Configured in credentials.yml as `bot.channels.web.WebChannel` (no secrets).
Routes, under `/widget`:

- `GET /widget/widget.js`, `GET /widget/widget.css` — the widget, embedded
  with one tag: `<script src="https://host/widget/widget.js" data-server="https://host"
  data-language="ja" data-title="Soba" defer></script>`;
- `GET /widget/demo` — a page that embeds it under a strict Content-Security-Policy;
- `GET /widget/ws` — the WebSocket.

Protocol: one JSON object per text frame, each with a `type`.

client → server
    `{"type": "hello", "session": <uuid>, "last_seq": <n>, "language": <code|null>}`
        first frame on every connection. `session` is the conversation id (Rasa's
        sender id), a UUID the widget keeps in localStorage; `last_seq` the last
        bot message it has shown (0 for none); `language` the language the
        widget is set to (a hint for the first reply).
    `{"type": "message", "id": <uuid>, "text": <str>, "language": <code|null>}`
        what the person typed, or a button's payload. `id` is the client's own
        message id: the widget sends a message again after every reconnect until
        it is acked, and a repeated id is acked again without a second turn.
    `{"type": "ping"}` — answered with `{"type": "pong"}`.

server → client
    `{"type": "ready", "session": ..., "seq": <newest seq>, "languages": [{"code", "name", "payload"}]}`
        the answer to hello; then every bot message after `last_seq`, in order.
        `payload` is the message that switches the conversation to that language.
    `{"type": "ack", "id": <client message id>}` — the message is stored (it will
        be answered even if the server dies now).
    `{"type": "retry", "id": <client message id>, "after": <seconds>, "reason":
        "rate_limited"|"unavailable", "notice": <text|absent>}` — the message was
        NOT taken: send it again after `after` seconds (the widget keeps it
        queued); `notice` is shown to the person (the service is down, with the
        crisis numbers).
    `{"type": "typing", "active": true|false}` — a turn started / ended.
    `{"type": "bot", "seq": <n>, "message": {"text", "buttons", "custom", ...}}`
        one Rasa bot message; `seq` increases by one per session, so the widget
        shows each exactly once whatever the reconnects.
    `{"type": "error", "error": <code>}` — a frame was not understood (the
        socket stays open); a frame larger than `channels.max_body_bytes`
        closes the socket with code 1009, a bad hello with 1008.

The person's message is stored in the inbox before it is acked, and every
bot message is written to the outbox before it is pushed (bot/channels/
base.py), so nothing is lost while the person is offline or the server
restarts: a counselor's reply sent hours later (Rasa's `POST
/conversations/web:<session>/tracker/events?output_channel=latest&
execute_side_effects=true`) reaches the open socket at once, or the next
connection. The conversation id is `web:<session>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional, Set

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.exceptions import WebsocketClosed
from sanic.request import Request
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from bot.channels import outbox
from bot.channels.base import ChannelBase, OnNewMessage, language_menu
from bot.channels.inbox import Inbound, Pending
from bot.channels.limits import MessageLimits
from bot.channels.outbox import Outgoing
from bot.channels.web_static import demo_page, serve_static
from bot.core.contract import LANGUAGE_HINT_METADATA, ORIGIN_METADATA
from bot.core.conversation_ids import conversation_id, platform_id
from bot.core.privacy import pseudonym
from bot.db import DatabaseUnavailable
from bot.languages import choose_language_payload
from bot.settings import get_settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

CHANNEL = "web"
URL_PREFIX = "/widget"
# A session id is a UUID the widget makes; the conversation is `web:<session>`.
SESSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The newest seq a hello may name (security review L1: a huge or boolean last_seq).
MAX_SEQ = 2**31 - 1
# An idle socket looks in the outbox this often, for messages another Rasa
# server stored (scale-out: a counselor's reply may land on any server).
POLL_SECONDS = 15.0
# When the database is down, the widget is asked to send again after this long.
UNAVAILABLE_RETRY_SECONDS = 15
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011


class Connection:
    """One open widget socket, and the newest bot message it has been sent."""

    def __init__(self, socket: Any, session_id: str, last_seq: int, language: Optional[str]) -> None:
        self.socket = socket
        self.session_id = session_id
        self.conversation_id = conversation_id(CHANNEL, session_id)
        self.sent_seq = last_seq
        self.language = language
        self.open = True
        # Replays and live pushes go out one at a time, so seqs leave in order.
        self._order = asyncio.Lock()

    async def send(self, frame: Mapping[str, Any]) -> None:
        """Send one frame; a closed socket is marked closed, not an error."""
        if not self.open:
            return
        try:
            await self.socket.send(json.dumps(frame, ensure_ascii=False))
        except (ConnectionClosed, WebsocketClosed, ConnectionError):
            self.open = False

    async def send_bot(self, seq: int, message: Mapping[str, Any]) -> None:
        """Send a bot message unless this socket already had it."""
        async with self._order:
            if seq <= self.sent_seq:
                return
            await self.send({"type": "bot", "seq": seq, "message": message})
            if self.open:
                self.sent_seq = seq

    async def catch_up(self) -> None:
        """Send every stored bot message newer than the last one sent."""
        async with self._order:
            for stored in await asyncio.to_thread(outbox.after, self.conversation_id, self.sent_seq):
                await self.send({"type": "bot", "seq": stored.seq, "message": stored.message})
                if not self.open:
                    return
                self.sent_seq = stored.seq


class Connections:
    """The open sockets of each conversation in this process (a person may have two tabs open)."""

    def __init__(self) -> None:
        self._by_conversation: Dict[str, Set[Connection]] = {}

    def add(self, connection: Connection) -> None:
        self._by_conversation.setdefault(connection.conversation_id, set()).add(connection)

    def discard(self, connection: Connection) -> None:
        sockets = self._by_conversation.get(connection.conversation_id)
        if sockets is not None:
            sockets.discard(connection)
            if not sockets:
                del self._by_conversation[connection.conversation_id]

    def of(self, conversation: str) -> List[Connection]:
        """The conversation's open sockets (a copy, safe to iterate while sockets close)."""
        return list(self._by_conversation.get(conversation, ()))

    def __len__(self) -> int:
        return sum(len(sockets) for sockets in self._by_conversation.values())

    async def broadcast(self, conversation: str, frame: Mapping[str, Any]) -> None:
        """Send a frame that needs no delivery guarantee (typing) to the conversation's sockets."""
        for connection in self.of(conversation):
            await connection.send(frame)


def _languages() -> List[Dict[str, str]]:
    """The languages the widget's selector offers, with the message that chooses each."""
    return [
        {"code": language.code, "name": language.name, "payload": choose_language_payload(language.code)}
        for language in get_settings().menu_languages
    ]


def _words() -> Dict[str, Any]:
    """The widget's labels in every language (texts/<code>.yml, `widget`)."""
    texts = get_texts()
    return {code: dict(texts.section(code, "widget")) for code in texts.languages}


def _supported(language: Any) -> Optional[str]:
    return language if isinstance(language, str) and language in get_settings().languages else None


def hello_seq(value: Any) -> Optional[int]:
    """The `last_seq` of a hello: missing or null is 0, a negative number 0; None if it is no seq."""
    if value is None:
        return 0
    if type(value) is not int or value > MAX_SEQ:
        return None
    return max(0, value)


class WebChannel(ChannelBase):
    """The web widget as a Rasa input channel: static files, demo page and WebSocket."""

    pulls_messages = True

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self) -> None:
        super().__init__()
        self.connections = Connections()
        self.limits = MessageLimits.from_settings()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    def url_prefix(self) -> str:
        return URL_PREFIX

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        web_widget = Blueprint("web_widget", __name__)

        @web_widget.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @web_widget.route("/widget.js", methods=["GET"])
        async def script(request: Request) -> HTTPResponse:
            return serve_static(request, "widget.js")

        @web_widget.route("/widget.css", methods=["GET"])
        async def stylesheet(request: Request) -> HTTPResponse:
            return serve_static(request, "widget.css")

        @web_widget.route("/demo", methods=["GET"])
        async def demo(request: Request) -> HTTPResponse:
            return demo_page(request, get_settings().default_language, "Soba")

        @web_widget.websocket("/ws")
        async def socket(request: Request, ws: Any) -> None:
            origin = pseudonym(str(request.remote_addr or request.ip), "origin")
            await self._serve(ws, origin)

        self.attach(web_widget, on_new_message)
        return web_widget

    async def _serve(self, ws: Any, origin: str) -> None:
        """Read frames until the socket closes."""
        max_bytes = get_settings().channels.max_body_bytes
        connection: Optional[Connection] = None
        try:
            while True:
                raw = await ws.recv(timeout=POLL_SECONDS)
                if raw is None:
                    if connection is not None:
                        await connection.catch_up()
                    continue
                size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
                if size > max_bytes:
                    logger.warning("Widget frame of %d bytes refused (limit %d).", size, max_bytes)
                    await ws.close(CLOSE_TOO_BIG, "frame too large")
                    return
                frame = _parse(raw)
                kind = frame.get("type") if frame is not None else None
                if kind == "hello":
                    if connection is not None:
                        connection.open = False
                        self.connections.discard(connection)
                        connection = None
                    connection = await self._hello(ws, frame or {})
                    if connection is None:
                        return
                elif kind == "message" and connection is not None:
                    await self._receive(connection, frame or {}, origin)
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                else:
                    error = "hello_first" if kind == "message" else "bad_frame"
                    await ws.send(json.dumps({"type": "error", "error": error}))
        except (ConnectionClosed, WebsocketClosed):
            pass
        except Exception:  # a request boundary: close this socket, keep the server (the widget reconnects)
            logger.exception("A widget socket failed.")
            with contextlib.suppress(ConnectionClosed, WebsocketClosed):
                await ws.close(CLOSE_SERVER_ERROR, "server error")
        finally:
            if connection is not None:
                connection.open = False
                self.connections.discard(connection)

    async def _hello(self, ws: Any, frame: Mapping[str, Any]) -> Optional[Connection]:
        """Register the socket for its session, then send what it has not seen."""
        session_id = frame.get("session")
        last_seq = hello_seq(frame.get("last_seq"))
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id) or last_seq is None:
            await ws.send(json.dumps({"type": "error", "error": "bad_hello"}))
            await ws.close(CLOSE_POLICY, "bad hello")
            return None
        connection = Connection(ws, session_id, last_seq, _supported(frame.get("language")))
        # Registered before the replay: a message stored meanwhile is pushed or
        # replayed, and the connection's seq check sends it once. A replay that
        # fails unregisters it again.
        self.connections.add(connection)
        try:
            newest = await asyncio.to_thread(outbox.latest_seq, connection.conversation_id)
            await connection.send(
                {"type": "ready", "session": session_id, "seq": newest, "languages": _languages(), "words": _words()}
            )
            await connection.catch_up()
        except BaseException:
            connection.open = False
            self.connections.discard(connection)
            raise
        return connection

    async def _receive(self, connection: Connection, frame: Mapping[str, Any], origin: str) -> None:
        """Store a client message, then ack it; or tell the widget to send it again later."""
        message_id = frame.get("id")
        if not isinstance(message_id, str) or not MESSAGE_ID.match(message_id):
            await connection.send({"type": "error", "error": "bad_message_id"})
            return
        connection.language = _supported(frame.get("language")) or connection.language
        text = frame.get("text")
        wait = self.limits.wait(connection.conversation_id, origin, text)
        if wait > 0:
            await connection.send(
                {"type": "retry", "id": message_id, "after": round(wait, 1), "reason": "rate_limited"}
            )
            return
        metadata: Dict[str, Any] = {ORIGIN_METADATA: origin}
        if connection.language:
            metadata[LANGUAGE_HINT_METADATA] = connection.language
        inbound = Inbound(
            event_key=f"{connection.session_id}/{message_id}",
            conversation_id=connection.conversation_id,
            text=text if isinstance(text, str) else None,
            metadata=metadata,
        )
        try:
            await self.take([inbound])
        except DatabaseUnavailable:
            notice = get_texts().get(connection.language or get_settings().default_language, "service_unavailable")
            await connection.send(
                {
                    "type": "retry",
                    "id": message_id,
                    "after": UNAVAILABLE_RETRY_SECONDS,
                    "reason": "unavailable",
                    "notice": notice,
                }
            )
            return
        await connection.send({"type": "ack", "id": message_id})

    def working(self, conversation: str) -> Any:
        return self._typing(conversation)

    @contextlib.asynccontextmanager
    async def _typing(self, conversation: str) -> AsyncIterator[None]:
        await self.connections.broadcast(conversation, {"type": "typing", "active": True})
        try:
            yield
        finally:
            await self.connections.broadcast(conversation, {"type": "typing", "active": False})

    async def deliver(
        self, conversation: str, messages: List[Outgoing], item: Optional[Pending]
    ) -> AsyncIterator[List[int]]:
        """Push stored messages to the conversation's open sockets (the others catch up on hello)."""
        for connection in self.connections.of(conversation):
            for stored in messages:
                await connection.send_bot(stored.seq, stored.message)
        yield [stored.id for stored in messages]

    async def handle_kind(self, item: Pending) -> Optional[List[Dict[str, Any]]]:
        if item.kind == "menu":
            hint = item.metadata.get(LANGUAGE_HINT_METADATA)
            return [language_menu(await self.conversation_language(item.conversation_id, hint))]
        return None


def _parse(raw: Any) -> Optional[Dict[str, Any]]:
    """A frame as a dict, or None if it is not a JSON object in a text frame (deep nesting included)."""
    if not isinstance(raw, str):
        return None
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return frame if isinstance(frame, dict) else None


def session_of(conversation: str) -> str:
    """The widget session of a `web:` conversation."""
    return platform_id(conversation, CHANNEL)
