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
    `{"type": "ack", "id": <client message id>}` — the message is taken (stored).
    `{"type": "typing", "active": true|false}` — a turn started / ended.
    `{"type": "bot", "seq": <n>, "message": {"text", "buttons", "custom", ...}}`
        one Rasa bot message; `seq` increases by one per session, so the widget
        shows each exactly once whatever the reconnects.
    `{"type": "error", "error": <code>}` — a frame was not understood (the
        socket stays open); a frame larger than `channels.max_body_bytes`
        closes the socket with code 1009, a bad hello with 1008.

Every bot message is written to the outbox table (bot/channels/web_outbox.py)
before it is pushed, so nothing is lost while the person is offline: a
counselor's reply sent hours later (Rasa's `POST /conversations/<session>/
tracker/events?output_channel=latest&execute_side_effects=true`) reaches
the open socket at once, or the next connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import weakref
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import WebsocketClosed
from sanic.request import Request
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from bot.channels import web_outbox
from bot.channels.incoming import prepare
from bot.channels.web_static import demo_page, serve_static
from bot.languages import choose_language_payload
from bot.settings import get_settings
from bot.turn import LANGUAGE_HINT_METADATA

logger = logging.getLogger(__name__)

CHANNEL = "web"
URL_PREFIX = "/widget"
# A session id is a UUID, so a widget session can never name a LINE or Telegram conversation.
SESSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# An idle socket looks in the outbox this often, for messages another Rasa
# server stored (scale-out: a counselor's reply may land on any server).
POLL_SECONDS = 15.0
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
# The keys of a Rasa bot message the widget can show; Rasa's bookkeeping is dropped.
MESSAGE_KEYS = ("text", "buttons", "quick_replies", "image", "attachment", "elements", "custom")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class Connection:
    """One open widget socket, and the newest bot message it has been sent."""

    def __init__(self, socket: Any, session_id: str, last_seq: int, language: Optional[str]) -> None:
        self.socket = socket
        self.session_id = session_id
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
            for seq, message in web_outbox.after(self.session_id, self.sent_seq):
                await self.send({"type": "bot", "seq": seq, "message": message})
                if not self.open:
                    return
                self.sent_seq = seq


class Connections:
    """The open sockets of each session in this process (a person may have two tabs open)."""

    def __init__(self) -> None:
        self._by_session: Dict[str, Set[Connection]] = {}

    def add(self, connection: Connection) -> None:
        self._by_session.setdefault(connection.session_id, set()).add(connection)

    def discard(self, connection: Connection) -> None:
        sockets = self._by_session.get(connection.session_id)
        if sockets is not None:
            sockets.discard(connection)
            if not sockets:
                del self._by_session[connection.session_id]

    def of(self, session_id: str) -> List[Connection]:
        """The session's open sockets (a copy, safe to iterate while sockets close)."""
        return list(self._by_session.get(session_id, ()))

    async def broadcast(self, session_id: str, frame: Mapping[str, Any]) -> None:
        """Send a frame that needs no delivery guarantee (typing) to the session's sockets."""
        for connection in self.of(session_id):
            await connection.send(frame)

    async def deliver(self, session_id: str, seq: int, message: Mapping[str, Any]) -> None:
        """Push a stored bot message to the session's open sockets."""
        for connection in self.of(session_id):
            await connection.send_bot(seq, message)


class WebOutput(OutputChannel):
    """Sends to a widget session at any time: stored in the outbox, pushed to its open sockets."""

    def __init__(self, connections: Connections) -> None:
        self.connections = connections

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Deliver one Rasa bot message whole (text, buttons and custom stay together)."""
        shown = {key: message[key] for key in MESSAGE_KEYS if message.get(key) not in (None, "", [], {})}
        if not shown:
            return
        seq = web_outbox.append(recipient_id, shown)
        await self.connections.deliver(recipient_id, seq, shown)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": quick_replies})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"attachment": attachment})

    async def send_elements(self, recipient_id: str, elements: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"elements": elements})


def _languages() -> List[Dict[str, str]]:
    """The languages the widget's selector offers, with the message that chooses each."""
    return [
        {"code": code, "name": spec.name, "payload": choose_language_payload(code)}
        for code, spec in get_settings().languages.items()
    ]


def _supported(language: Any) -> Optional[str]:
    return language if isinstance(language, str) and language in get_settings().languages else None


class WebChannel(InputChannel):
    """The web widget as a Rasa input channel: static files, demo page and WebSocket."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self) -> None:
        self.connections = Connections()
        # One turn at a time per session, in arrival order; unused locks go away by themselves.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: Set[asyncio.Task] = set()

    def url_prefix(self) -> str:
        return URL_PREFIX

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WebOutput(self.connections)

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
            await self._serve(ws, on_new_message)

        return web_widget

    async def _serve(self, ws: Any, on_new_message: OnNewMessage) -> None:
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
                size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
                if size > max_bytes:
                    logger.warning("Widget frame of %d bytes refused (limit %d).", size, max_bytes)
                    await ws.close(CLOSE_TOO_BIG, "frame too large")
                    return
                frame = _parse(raw)
                kind = frame.get("type") if frame is not None else None
                if kind == "hello":
                    if connection is not None:
                        self.connections.discard(connection)
                    connection = await self._hello(ws, frame or {})
                    if connection is None:
                        return
                elif kind == "message" and connection is not None:
                    await self._receive(connection, frame or {}, on_new_message)
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                else:
                    error = "hello_first" if kind == "message" else "bad_frame"
                    await ws.send(json.dumps({"type": "error", "error": error}))
        except (ConnectionClosed, WebsocketClosed):
            pass
        finally:
            if connection is not None:
                connection.open = False
                self.connections.discard(connection)

    async def _hello(self, ws: Any, frame: Mapping[str, Any]) -> Optional[Connection]:
        """Register the socket for its session, then send what it has not seen."""
        session_id = frame.get("session")
        last_seq = frame.get("last_seq") or 0
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id) or not isinstance(last_seq, int):
            await ws.send(json.dumps({"type": "error", "error": "bad_hello"}))
            await ws.close(CLOSE_POLICY, "bad hello")
            return None
        connection = Connection(ws, session_id, max(0, last_seq), _supported(frame.get("language")))
        # Registered before the replay: a message stored meanwhile is pushed or
        # replayed, and the connection's seq check sends it once.
        self.connections.add(connection)
        await connection.send(
            {
                "type": "ready",
                "session": session_id,
                "seq": web_outbox.latest_seq(session_id),
                "languages": _languages(),
            }
        )
        await connection.catch_up()
        return connection

    async def _receive(self, connection: Connection, frame: Mapping[str, Any], on_new_message: OnNewMessage) -> None:
        """Take a client message once: record its id, ack it, run its turn in the background."""
        message_id = frame.get("id")
        if not isinstance(message_id, str) or not MESSAGE_ID.match(message_id):
            await connection.send({"type": "error", "error": "bad_message_id"})
            return
        connection.language = _supported(frame.get("language")) or connection.language
        first = web_outbox.first_receipt(connection.session_id, message_id)
        await connection.send({"type": "ack", "id": message_id})
        if not first:
            logger.info("Widget message %s of %s sent again; already taken.", message_id, connection.session_id)
            return
        # The turn outlives the socket: its replies go to the outbox if the person has gone.
        task = asyncio.create_task(
            self._turn(connection.session_id, frame.get("text"), connection.language, on_new_message)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _turn(self, session_id: str, text: Any, language: Optional[str], on_new_message: OnNewMessage) -> None:
        """One Rasa turn for the person's message; the replies go out through `WebOutput`."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        async with lock:
            await self.connections.broadcast(session_id, {"type": "typing", "active": True})
            try:
                incoming = prepare(text, get_settings().max_message_chars)
                metadata: Dict[str, Any] = dict(incoming.metadata)
                if language:
                    metadata[LANGUAGE_HINT_METADATA] = language
                await on_new_message(
                    UserMessage(
                        incoming.text,
                        WebOutput(self.connections),
                        session_id,
                        input_channel=CHANNEL,
                        metadata=metadata or None,
                    )
                )
            except Exception:  # a failed turn must not take the session's socket down
                logger.exception("Widget turn for %s failed", session_id)
            finally:
                await self.connections.broadcast(session_id, {"type": "typing", "active": False})


def _parse(raw: Any) -> Optional[Dict[str, Any]]:
    """A frame as a dict, or None if it is not a JSON object in a text frame."""
    if not isinstance(raw, str):
        return None
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None
