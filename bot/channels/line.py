"""LINE: a Rasa input channel for a LINE official account (Messaging API, line-bot-sdk).

Configured in credentials.yml as `bot.channels.line.LineInput` with the
channel secret and channel access token; the webhook is
`POST /webhooks/line/webhook`. The machinery every channel shares (inbox,
order, outbox, retry, start-up recovery) is `bot/channels/base.py`; this
module holds what LINE makes different:

- the `X-Line-Signature` (HMAC-SHA256 of the raw body) is verified before the
  body is parsed (401 and a warning otherwise);
- each event is keyed by its `webhookEventId`, or by a digest of the event
  when it has none, so a redelivery or a replayed capture is handled once;
  events older than the redelivery record is kept are refused;
- the loading animation shows while Soba works; the answer goes back with the
  reply token while it is fresh, else (and for anything later, such as a
  counselor's reply) by push with a retry key, so LINE itself drops a push
  that is sent twice;
- stickers, images and other non-text messages get the `no_text` reply;
  `follow` gets a welcome and the language menu; the person's LINE profile
  language seeds the conversation language.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional

import aiohttp
from linebot import AsyncLineBotApi
from linebot.aiohttp_async_http_client import AiohttpAsyncHttpClient
from linebot.exceptions import LineBotApiError
from linebot.models import SendMessage, TextSendMessage
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import (
    ChannelBase,
    DeliveryFailed,
    OnNewMessage,
    Refused,
    check_size,
    language_menu,
    read_json,
)
from bot.channels.inbox import Inbound, Pending
from bot.channels.language_hint import hint_metadata, language_hint
from bot.channels.line_messages import MAX_MESSAGES_PER_CALL, to_line_messages
from bot.channels.outbox import Outgoing
from bot.core.contract import GREET_PAYLOAD
from bot.core.conversation_ids import conversation_id, platform_id
from bot.db import DatabaseUnavailable
from bot.settings import get_settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

CHANNEL = "line"
# A reply token is good for a short while after the event; past this, push.
REPLY_TOKEN_SECONDS = 50.0
# The rich menu's language area sends this postback; the menu needs no NLU turn.
LANGUAGE_MENU_PAYLOAD = "/language_menu"
LOADING_SECONDS = 20
PUSH_ATTEMPTS = 3
# Retry keys are UUIDs derived from what they send, so a resend after a crash reuses the key.
_RETRY_KEYS = uuid.UUID("6f1d7a52-2b9e-4c57-9d1e-5b0a1c3e7f21")


class LineClient:
    """The Messaging API calls Soba makes, on one aiohttp session created in the server's loop."""

    def __init__(self, access_token: str) -> None:
        self._access_token = access_token
        self._api: Optional[AsyncLineBotApi] = None
        self._languages: Dict[str, Optional[str]] = {}

    def api(self) -> AsyncLineBotApi:
        if self._api is None:
            channels = get_settings().channels
            self._api = AsyncLineBotApi(
                self._access_token,
                AiohttpAsyncHttpClient(aiohttp.ClientSession()),
                endpoint=channels.line_api,
                data_endpoint=channels.line_data_api,
            )
        return self._api

    async def close(self) -> None:
        """Close the HTTP session (for one-off commands; the server keeps it open)."""
        if self._api is not None:
            await self._api.async_http_client.session.close()
            self._api = None

    async def show_loading(self, user_id: str) -> None:
        """The "…" animation in the person's chat (the SDK has no call for it yet)."""
        body = json.dumps({"chatId": user_id, "loadingSeconds": LOADING_SECONDS})
        try:
            await self.api()._post("/v2/bot/chat/loading/start", data=body)
        except (LineBotApiError, aiohttp.ClientError) as error:
            logger.info("LINE loading animation not shown (%s).", type(error).__name__)

    async def profile_language(self, user_id: str) -> Optional[str]:
        """The supported language of the person's LINE profile ("en-US" → "en"), cached."""
        if user_id not in self._languages:
            language: Optional[str] = None
            try:
                profile = await self.api().get_profile(user_id)
                language = language_hint(profile.language, get_settings().language_codes)
            except (LineBotApiError, aiohttp.ClientError) as error:
                logger.info("A LINE profile was not read (%s).", type(error).__name__)
            if len(self._languages) > 10_000:
                self._languages.clear()
            self._languages[user_id] = language
        return self._languages[user_id]

    async def reply(self, reply_token: str, messages: List[SendMessage]) -> bool:
        """Send with the reply token; False if LINE refused it (expired or used)."""
        try:
            await self.api().reply_message(reply_token, messages)
            return True
        except LineBotApiError as error:
            logger.info("LINE reply token refused (%s); pushing instead.", error.status_code)
            return False
        except aiohttp.ClientError:
            return False

    async def push(self, user_id: str, messages: List[SendMessage], retry_key: str | None = None) -> None:
        """Push, retrying rate limits and server errors with the same retry key.

        LINE answers 409 to a retry key it has already accepted: the messages
        were sent before (by an attempt whose answer was lost), so that counts
        as sent. The messages themselves never go to the log: a counselor's
        words to a worker are personal data (security review L7).
        """
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            try:
                await self.api().push_message(user_id, messages, retry_key=retry_key)
                return
            except LineBotApiError as error:
                if error.status_code == 409 and retry_key:
                    return
                retry = error.status_code == 429 or error.status_code >= 500
                if not retry or attempt == PUSH_ATTEMPTS:
                    raise DeliveryFailed(f"LINE push refused ({error.status_code})") from None
            except aiohttp.ClientError as error:
                if attempt == PUSH_ATTEMPTS:
                    raise DeliveryFailed(f"LINE unreachable ({type(error).__name__})") from None
            await asyncio.sleep(0.5 * attempt)


def verify_signature(body: bytes, signature: Optional[str], secret: bytes) -> None:
    """Refuse (401) a body whose `X-Line-Signature` is missing or wrong; checked before parsing."""
    if not signature:
        raise Refused(401, "missing signature")
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        raise Refused(401, "invalid signature")


def _event_key(event: Mapping[str, Any]) -> str:
    """LINE's id for the event, or a digest of the event itself (same event, same key)."""
    event_id = event.get("webhookEventId")
    if isinstance(event_id, str) and 0 < len(event_id) <= 128:
        return event_id
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def parse_events(body: bytes, now: dt.datetime, max_age: dt.timedelta) -> List[Inbound]:
    """The messages in a verified webhook body; 400 if it is not a LINE webhook body.

    Events Soba does not handle (groups, rooms, unfollow, …) and events older
    than `max_age` (past the redelivery record, so possibly a replayed
    capture; security review L6) are left out.
    """
    data = read_json(body)
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise Refused(400, "not a LINE webhook body")
    inbounds: List[Inbound] = []
    for event in events:
        inbound = _inbound(event, now, max_age) if isinstance(event, dict) else None
        if inbound is not None:
            inbounds.append(inbound)
    return inbounds


def _inbound(event: Mapping[str, Any], now: dt.datetime, max_age: dt.timedelta) -> Optional[Inbound]:
    source = event.get("source")
    user_id = source.get("userId") if isinstance(source, dict) else None
    if not isinstance(user_id, str) or not user_id or source.get("type", "user") != "user":
        return None  # Soba talks one to one; groups and rooms are not consultations
    timestamp = event.get("timestamp")
    if not isinstance(timestamp, (int, float)) or isinstance(timestamp, bool):
        return None
    try:
        sent_at = dt.datetime.fromtimestamp(timestamp / 1000.0, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    if now - sent_at > max_age:
        logger.warning("A LINE event from %s was refused: older than the redelivery record.", sent_at.date())
        return None
    kind, text = _kind_and_text(event)
    if kind is None:
        return None
    reply_token = event.get("replyToken")
    return Inbound(
        event_key=_event_key(event),
        conversation_id=conversation_id(CHANNEL, user_id),
        text=text,
        kind=kind,
        extra={"reply_token": reply_token if isinstance(reply_token, str) else None, "timestamp": timestamp},
        event_at=sent_at,
    )


def _kind_and_text(event: Mapping[str, Any]) -> tuple[Optional[str], Optional[str]]:
    kind = event.get("type")
    if kind == "message":
        message = event.get("message")
        text = message.get("text") if isinstance(message, dict) and message.get("type") == "text" else None
        return "message", text if isinstance(text, str) else None
    if kind == "follow":
        return "welcome", GREET_PAYLOAD
    if kind == "postback":
        postback = event.get("postback")
        data = postback.get("data") if isinstance(postback, dict) else None
        if not isinstance(data, str):
            return None, None
        return ("menu", None) if data == LANGUAGE_MENU_PAYLOAD else ("message", data)
    return None, None


def _line_message_count(message: Mapping[str, Any]) -> int:
    return max(1, len(to_line_messages([message])))


def chunks(messages: List[Outgoing]) -> List[List[Outgoing]]:
    """Stored messages grouped so each group fits in one LINE call (at most five LINE messages)."""
    groups: List[List[Outgoing]] = []
    size = 0
    for message in messages:
        count = _line_message_count(message.message)
        if groups and size + count <= MAX_MESSAGES_PER_CALL:
            groups[-1].append(message)
            size += count
        else:
            groups.append([message])
            size = count
    return groups


class LineInput(ChannelBase):
    """The LINE webhook as a Rasa input channel."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        secret, token = credentials.get("channel_secret"), credentials.get("channel_access_token")
        if not secret or not token:
            cls.raise_missing_credentials_exception()
        return cls(str(secret), str(token))

    def __init__(self, channel_secret: str, channel_access_token: str) -> None:
        super().__init__()
        self._secret = channel_secret.encode("utf-8")
        self.client = LineClient(channel_access_token)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        line_webhook = Blueprint("line_webhook", __name__)

        @line_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @line_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                check_size(request.body)
                verify_signature(request.body or b"", request.headers.get("X-Line-Signature"), self._secret)
                max_age = dt.timedelta(days=get_settings().retention.redelivery_days)
                inbounds = parse_events(request.body or b"", dt.datetime.now(dt.timezone.utc), max_age)
            except Refused as refused:
                if refused.status == 401:
                    logger.warning("LINE webhook from %s refused: %s.", request.ip, refused.reason)
                return response.json({"error": refused.reason}, status=refused.status)
            try:
                await self.take(inbounds)
            except DatabaseUnavailable:
                # Not acknowledged: LINE redelivers (with redelivery on), and the person hears why.
                for inbound in inbounds:
                    await self._tell_unavailable(inbound)
                return response.json({"error": "temporarily unavailable"}, status=503)
            return response.json({})

        self.attach(line_webhook, on_new_message)
        return line_webhook

    async def handle_kind(self, item: Pending) -> Optional[List[Dict[str, Any]]]:
        """The rich menu's language area shows the menu; a new friend gets a welcome, then the menu."""
        if item.kind not in ("menu", "welcome"):
            return None
        replies = await self.run_turn(item) if item.kind == "welcome" else []
        hint = await self.client.profile_language(platform_id(item.conversation_id, CHANNEL))
        return [*replies, language_menu(await self.conversation_language(item.conversation_id, hint))]

    async def turn_metadata(self, item: Pending) -> Dict[str, Any]:
        """The LINE profile's language, as a hint."""
        language = await self.client.profile_language(platform_id(item.conversation_id, CHANNEL))
        return hint_metadata(language, get_settings().language_codes)

    def working(self, conversation: str) -> Any:
        """LINE's loading animation, started once (it stops by itself when a message arrives)."""
        return _Loading(self.client, platform_id(conversation, CHANNEL))

    async def deliver(
        self, conversation: str, messages: List[Outgoing], item: Optional[Pending]
    ) -> AsyncIterator[List[int]]:
        """Reply with the token while it is fresh, push the rest; yields the ids of each call LINE took."""
        user_id = platform_id(conversation, CHANNEL)
        token = item.extra.get("reply_token") if item is not None else None
        age = time.time() - float(item.extra.get("timestamp") or 0) / 1000.0 if item is not None else None
        for group in chunks(messages):
            line_messages = to_line_messages([message.message for message in group])
            ids = [message.id for message in group]
            if not line_messages:
                yield ids
                continue
            fresh = token and age is not None and age < REPLY_TOKEN_SECONDS
            if fresh and await self.client.reply(str(token), line_messages):
                token = None
                yield ids
                continue
            token = None
            retry_key = str(uuid.uuid5(_RETRY_KEYS, f"{conversation}|{','.join(map(str, ids))}"))
            await self.client.push(user_id, line_messages, retry_key)
            yield ids

    async def notify_unavailable(self, conversation: str, language: str, item: Optional[Pending]) -> None:
        text = get_texts().get(language, "service_unavailable")
        await self.client.push(platform_id(conversation, CHANNEL), [TextSendMessage(text=text)])

    async def _tell_unavailable(self, inbound: Inbound) -> None:
        token = inbound.extra.get("reply_token")
        language = get_settings().default_language
        if token:
            notice = TextSendMessage(text=get_texts().get(language, "service_unavailable"))
            await self.client.reply(str(token), [notice])


class _Loading:
    def __init__(self, client: LineClient, user_id: str) -> None:
        self.client = client
        self.user_id = user_id

    async def __aenter__(self) -> None:
        await self.client.show_loading(self.user_id)

    async def __aexit__(self, *_: Any) -> None:
        return None
