"""LINE: a Rasa input channel for a LINE official account (Messaging API, line-bot-sdk).

Configured in credentials.yml as `bot.channels.line.LineInput` with the
channel secret and channel access token; the webhook is
`POST /webhooks/line/webhook`.

What it promises LINE and the person:
- the `X-Line-Signature` is verified before the body is parsed (401 and a
  warning otherwise), and LINE gets its 200 at once; events are handled in
  the background, one person's events in order;
- a redelivered event (same `webhookEventId`) is handled once;
- the loading animation shows while Soba works; the answer goes back with the
  reply token while it is fresh, else (and for anything later, such as a
  counselor's reply) by push;
- stickers, images and other non-text messages get the `no_text` reply;
  `follow` gets a welcome and the language menu; the person's LINE profile
  language seeds the conversation language.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set

import aiohttp
from linebot import AsyncLineBotApi, WebhookParser
from linebot.aiohttp_async_http_client import AiohttpAsyncHttpClient
from linebot.exceptions import InvalidSignatureError, LineBotApiError
from linebot.models import FollowEvent, MessageEvent, PostbackEvent, SendMessage, TextMessage
from linebot.models.events import Event
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.incoming import prepare
from bot.channels.language_hint import hint_metadata, language_hint
from bot.channels.line_messages import as_json, batches, to_line_messages
from bot.channels.seen_events import first_delivery
from bot.languages import choose_language_payload
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

# What Rasa hands a channel's blueprint: run one turn for a user message.
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


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
            logger.info("LINE loading animation not shown: %s", error)

    async def profile_language(self, user_id: str) -> Optional[str]:
        """The supported language of the person's LINE profile ("en-US" → "en"), cached."""
        if user_id not in self._languages:
            language: Optional[str] = None
            try:
                profile = await self.api().get_profile(user_id)
                language = language_hint(profile.language, get_settings().language_codes)
            except (LineBotApiError, aiohttp.ClientError) as error:
                logger.info("LINE profile of %s not read: %s", user_id, error)
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

    async def push(self, user_id: str, messages: List[SendMessage]) -> None:
        """Push, retrying rate limits and server errors, so a reply is not dropped silently."""
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            try:
                await self.api().push_message(user_id, messages)
                return
            except LineBotApiError as error:
                retry = error.status_code == 429 or error.status_code >= 500
                if not retry or attempt == PUSH_ATTEMPTS:
                    logger.error("LINE push to %s failed (%s): %s", user_id, error.status_code, as_json(messages))
                    raise
            except aiohttp.ClientError:
                if attempt == PUSH_ATTEMPTS:
                    logger.exception("LINE push to %s failed: %s", user_id, as_json(messages))
                    raise
            await asyncio.sleep(0.5 * attempt)


class LinePushOutput(OutputChannel):
    """Sends a message to a LINE user at any time, by push (counselors' replies, later messages)."""

    def __init__(self, client: LineClient) -> None:
        self.client = client

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        for batch in batches(to_line_messages([message])):
            await self.client.push(recipient_id, batch)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


def language_menu(language: str) -> Dict[str, Any]:
    """The language menu as a Rasa-shaped message: a prompt and one button per language."""
    settings = get_settings()
    return {
        "text": get_texts().get(language, "language_menu"),
        "buttons": [
            {"title": spec.name, "payload": choose_language_payload(code)} for code, spec in settings.languages.items()
        ],
    }


class LineInput(InputChannel):
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
        self.parser = WebhookParser(channel_secret)
        self.client = LineClient(channel_access_token)
        # One person's events in order; a lock lives only while someone holds or waits for it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: Set[asyncio.Task] = set()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return LinePushOutput(self.client)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        line_webhook = Blueprint("line_webhook", __name__)

        @line_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @line_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if len(request.body or b"") > get_settings().channels.max_body_bytes:
                return response.json({"error": "request body too large"}, status=413)
            signature = request.headers.get("X-Line-Signature")
            if not signature:
                logger.warning("LINE webhook without X-Line-Signature from %s refused.", request.ip)
                return response.json({"error": "missing signature"}, status=401)
            try:
                events = self.parser.parse(request.body.decode("utf-8"), signature)
            except InvalidSignatureError:
                logger.warning("LINE webhook with a wrong signature from %s refused.", request.ip)
                return response.json({"error": "invalid signature"}, status=401)
            except (UnicodeDecodeError, ValueError, KeyError, TypeError):
                return response.json({"error": "malformed webhook body"}, status=400)
            task = asyncio.create_task(self._handle_events(events, on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return response.json({})

        return line_webhook

    async def _handle_events(self, events: List[Event], on_new_message: OnNewMessage) -> None:
        for event in events:
            try:
                await self._handle(event, on_new_message)
            except Exception:  # one broken event must not stop the others
                logger.exception("LINE event %s failed", getattr(event, "webhook_event_id", "?"))

    async def _handle(self, event: Event, on_new_message: OnNewMessage) -> None:
        user_id = getattr(event.source, "user_id", None)
        if not user_id or getattr(event.source, "type", "user") != "user":
            return  # Soba talks one to one; groups and rooms are not consultations
        event_id = getattr(event, "webhook_event_id", None)
        if event_id and not first_delivery(CHANNEL, str(event_id)):
            logger.info("LINE event %s was redelivered; already handled.", event_id)
            return
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        async with lock:
            if isinstance(event, FollowEvent):
                await self._turn(event, user_id, "/greet", on_new_message, then=True)
            elif isinstance(event, MessageEvent):
                text = event.message.text if isinstance(event.message, TextMessage) else None
                await self._turn(event, user_id, text, on_new_message)
            elif isinstance(event, PostbackEvent):
                if event.postback.data == LANGUAGE_MENU_PAYLOAD:
                    language = await self.client.profile_language(user_id) or get_settings().default_language
                    await self._deliver(event, user_id, [language_menu(language)])
                else:
                    await self._turn(event, user_id, event.postback.data, on_new_message)

    async def _turn(
        self,
        event: Event,
        user_id: str,
        text: Optional[str],
        on_new_message: OnNewMessage,
        then: bool = False,
    ) -> None:
        """One Rasa turn for `text`; `then` adds the language menu (the welcome)."""
        settings = get_settings()
        incoming = prepare(text, settings.max_message_chars)
        await self.client.show_loading(user_id)
        language = await self.client.profile_language(user_id)
        metadata: Dict[str, Any] = {**incoming.metadata, **hint_metadata(language, settings.language_codes)}
        collector = CollectingOutputChannel()
        await on_new_message(
            UserMessage(incoming.text, collector, user_id, input_channel=CHANNEL, metadata=metadata or None)
        )
        messages: List[Mapping[str, Any]] = list(collector.messages)
        if then:
            messages.append(language_menu(language or settings.default_language))
        await self._deliver(event, user_id, messages)

    async def _deliver(self, event: Event, user_id: str, bot_messages: List[Mapping[str, Any]]) -> None:
        """Reply while the token is fresh; push what the reply could not carry."""
        groups = batches(to_line_messages(bot_messages))
        if not groups:
            return
        token = getattr(event, "reply_token", None)
        age = time.time() - (getattr(event, "timestamp", 0) or 0) / 1000.0
        if token and age < REPLY_TOKEN_SECONDS and await self.client.reply(token, groups[0]):
            groups = groups[1:]
        for group in groups:
            await self.client.push(user_id, group)
