"""The REST channel: DESIGN.md's contract, `POST /webhooks/rest/webhook`.

Configured in credentials.yml as `bot.channels.rest.SobaRestInput`; the route
and the request and response shapes are Rasa's `RestInput`'s:

    {"sender": "<id>", "message": "<text>", "metadata": {...}}  →  [{"recipient_id": "<id>", "text": ...}, ...]

It stays open without a token (the contract for evaluation and embedding),
so it is kept to its own conversations (security review H1, L4):

- its conversations are `rest:<sender>`: whatever `sender` or `input_channel`
  a client sends, it can never name, read or change a LINE, Telegram or
  widget conversation;
- a request without a non-empty string `sender` is refused (400), not put
  into a shared `default` conversation; a body that is not a JSON object is
  refused (400);
- messages are rate-limited per conversation and per address (429 with the
  wait), except a message with a crisis phrase;
- the answer is the HTTP response, so the client knows whether it was taken:
  REST needs no inbox. A counselor's reply to a REST conversation is stored
  in its outbox, and the console shows it as not delivered (REST cannot push).
- the message text never goes to the log.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, AsyncIterator, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import OperationalError

from bot.channels.base import ChannelBase, DeliveryFailed, OnNewMessage, Refused, check_size, read_json
from bot.channels.incoming import prepare
from bot.channels.limits import MessageLimits
from bot.channels.outbox import Outgoing
from bot.core.contract import ORIGIN_METADATA
from bot.core.conversation_ids import conversation_id
from bot.core.privacy import pseudonym
from bot.db import DatabaseUnavailable
from bot.settings import get_settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

CHANNEL = "rest"
MAX_SENDER_CHARS = 200


def parse_request(body: bytes) -> tuple[str, Any, Dict[str, Any]]:
    """(sender, message, client metadata) of a REST body; 400 for anything else."""
    data = read_json(body)
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object")
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise Refused(400, "'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise Refused(400, f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    metadata = data.get("metadata")
    return sender, data.get("message"), dict(metadata) if isinstance(metadata, dict) else {}


class SobaRestInput(ChannelBase):
    """Rasa's REST contract, kept to `rest:` conversations, with Soba's message handling."""

    can_push = False

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        super().__init__()
        self.limits = MessageLimits.from_settings()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        rest = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                check_size(request.body)
                sender, raw, client_metadata = parse_request(request.body or b"")
            except Refused as refused:
                return response.json({"error": refused.reason}, status=refused.status)
            return await self._turn(sender, raw, client_metadata, request, on_new_message)

        self.attach(rest, on_new_message)
        return rest

    async def _turn(
        self, sender: str, raw: Any, client_metadata: Dict[str, Any], request: Request, on_new_message: OnNewMessage
    ) -> HTTPResponse:
        conversation = conversation_id(CHANNEL, sender)
        origin = pseudonym(str(request.remote_addr or request.ip), "origin")
        wait = self.limits.wait(conversation, origin, raw)
        if wait > 0:
            return response.json(
                {
                    "error": "rate_limited",
                    "retry_after": round(wait, 1),
                    "message": self._notice(client_metadata, "rate_limited"),
                },
                status=429,
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        incoming = prepare(raw, get_settings().max_message_chars)
        metadata = {**client_metadata, **incoming.metadata, ORIGIN_METADATA: origin}
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(incoming.text, collector, conversation, input_channel=CHANNEL, metadata=metadata)
            )
        except (OperationalError, DatabaseUnavailable):
            logger.warning("REST turn not taken: the database is unavailable.")
            notice = self._notice(client_metadata, "service_unavailable")
            unavailable = [{"recipient_id": sender, "text": notice, "custom": {"type": "unavailable"}}]
            return response.json(unavailable, status=503)
        except CancelledError:
            logger.warning("REST turn timed out.")
            return response.json({"error": "timeout"}, status=503)
        except Exception:  # a request boundary: the text stays out of the log (security review L7)
            logger.exception("REST turn failed.")
            return response.json({"error": "internal error"}, status=500)
        return response.json([{**message, "recipient_id": sender} for message in collector.messages])

    @staticmethod
    def _notice(client_metadata: Dict[str, Any], key: str) -> str:
        language = client_metadata.get("language")
        settings = get_settings()
        return get_texts().get(language if language in settings.languages else settings.default_language, key)

    async def deliver(self, conversation: str, messages: List[Outgoing], item: Any) -> AsyncIterator[List[int]]:
        """REST answers in the response and cannot push: a later message waits in the outbox."""
        raise DeliveryFailed("the REST channel cannot push")
        yield []  # unreachable: makes this an async generator, like every channel's deliver
