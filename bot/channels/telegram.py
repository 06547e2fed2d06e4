"""Soba on Telegram: a Rasa input channel built on python-telegram-bot.

Configured in credentials.yml:

    bot.channels.telegram.TelegramInput:
      bot_token: ${TELEGRAM_BOT_TOKEN}
      secret_token: ${TELEGRAM_SECRET_TOKEN}

Telegram posts each update to `POST /webhooks/telegram/webhook` (registered by
`python -m bot.cli telegram set-webhook --url https://<public host>`). The
machinery every channel shares (inbox, order, outbox, retry, start-up
recovery) is `bot/channels/base.py`; this module holds what Telegram makes
different:

- every request must carry the secret in `X-Telegram-Bot-Api-Secret-Token`,
  compared in constant time before the body is read; others get 401;
- an update is keyed by its `update_id`, so Telegram's retry is handled once;
- text (or a photo's caption) is the message; a photo, sticker or voice
  message without text becomes `/no_text`; `/start` greets and offers the
  languages, `/lang` offers the languages, `/human` asks for a counselor,
  other commands are read as words; group chats are ignored;
- a button tap (callback query) is acknowledged, its keyboard removed so it
  cannot be tapped twice, and its payload handled as the person's message;
- the person's `language_code` is a hint for the conversation's language;
- "typing…" shows while Soba works; sending retries Telegram's flood limits
  (`RetryAfter`) and network errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
from typing import Any, AsyncIterator, Dict, List, Mapping, Optional

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

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
from bot.channels.language_hint import hint_metadata
from bot.channels.outbox import Outgoing
from bot.channels.payloads import expand
from bot.channels.telegram_render import KEYBOARD_ONLY_TEXT, inline_keyboard, text_chunks
from bot.core.contract import GREET_PAYLOAD, LANGUAGE_HINT_METADATA, REQUEST_HUMAN_PAYLOAD
from bot.core.conversation_ids import conversation_id, platform_id
from bot.db import DatabaseUnavailable
from bot.settings import get_settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram shows "typing…" for 5 seconds; renew it a little before.
_TYPING_RENEW_SECONDS = 4.5
SEND_ATTEMPTS = 3
# A flood-limit wait longer than this is left to the sweep.
_MAX_RETRY_AFTER_SECONDS = 30


def make_bot(token: str, api_url: str | None = None) -> Bot:
    """A Bot on the configured Bot API server (Telegram's, or the tests' fake)."""
    # httpx logs every request's URL at INFO, and a Bot API URL holds the bot token.
    httpx_logger = logging.getLogger("httpx")
    if httpx_logger.getEffectiveLevel() < logging.WARNING:
        httpx_logger.setLevel(logging.WARNING)
    return Bot(token, base_url=f"{api_url or get_settings().channels.telegram_api}/bot")


def verify_secret(given: Optional[str], secret: bytes) -> None:
    """Refuse (401) a request without the webhook's secret; checked before the body is read."""
    if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), secret):
        raise Refused(401, "unauthorized")


def command(text: str | None) -> str | None:
    """The bot command a message starts with ("/start@soba_bot hi" → "start"), or None."""
    if not text or not text.startswith("/"):
        return None
    words = text[1:].split(maxsplit=1)
    if not words:
        return None
    return words[0].split("@", 1)[0].lower() or None


def parse_update(body: bytes) -> Optional[Inbound]:
    """The message in a verified update, None for an update Soba ignores; 400 if it is no update."""
    data = read_json(body)
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise Refused(400, "not a Telegram update")
    if isinstance(data.get("callback_query"), dict):
        return _button(update_id, data["callback_query"])
    if isinstance(data.get("message"), dict):
        return _message(update_id, data["message"])
    return None


def _chat_id(value: Any) -> Optional[str]:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _hint(user: Any) -> Dict[str, Any]:
    tag = user.get("language_code") if isinstance(user, dict) else None
    return hint_metadata(tag if isinstance(tag, str) else None, get_settings().language_codes)


def _message(update_id: int, message: Mapping[str, Any]) -> Optional[Inbound]:
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private":
        # A consultation is one to one; in a group everyone would share one conversation.
        return None
    chat_id = _chat_id(chat.get("id"))
    if chat_id is None:
        return None
    raw = message.get("text") if message.get("text") is not None else message.get("caption")
    text = raw if isinstance(raw, str) else None
    name = command(text)
    kind = "message"
    if name in ("start", "help"):
        kind, text = "welcome", GREET_PAYLOAD
    elif name == "lang":
        kind, text = "menu", None
    elif name == "human":
        text = REQUEST_HUMAN_PAYLOAD
    elif text is not None and text.startswith("/"):
        # A typed "/something" is read as words: intent payloads come only from buttons.
        text = text.lstrip("/")
    sent = message.get("date")
    return Inbound(
        event_key=str(update_id),
        conversation_id=conversation_id(CHANNEL, chat_id),
        text=text,
        metadata=_hint(message.get("from")),
        kind=kind,
        event_at=_timestamp(sent),
    )


def _button(update_id: int, query: Mapping[str, Any]) -> Optional[Inbound]:
    message = query.get("message") if isinstance(query.get("message"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    user = query.get("from") if isinstance(query.get("from"), dict) else {}
    if chat and chat.get("type", "private") != "private":
        return None
    chat_id = _chat_id(chat.get("id")) or _chat_id(user.get("id"))
    data = query.get("data")
    if chat_id is None or not isinstance(data, str) or not isinstance(query.get("id"), str):
        return None
    return Inbound(
        event_key=str(update_id),
        conversation_id=conversation_id(CHANNEL, chat_id),
        text=None,
        metadata=_hint(user),
        kind="button",
        extra={"query_id": query["id"], "data": data, "message_id": message.get("message_id")},
    )


def _timestamp(value: Any) -> Optional[dt.datetime]:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


class TelegramInput(ChannelBase):
    """Telegram webhook: verified, stored, answered 200, handled in order, once per update."""

    @classmethod
    def name(cls) -> str:
        """The route is /webhooks/telegram/webhook."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Read `bot_token` and `secret_token` from credentials.yml."""
        credentials = credentials or {}
        token, secret = credentials.get("bot_token"), credentials.get("secret_token")
        if not token or not secret:
            cls.raise_missing_credentials_exception()
        return cls(str(token), str(secret))

    def __init__(self, bot_token: str, secret_token: str, api_url: str | None = None) -> None:
        super().__init__()
        self._token = bot_token
        self._secret = secret_token.encode("utf-8")
        self._api_url = api_url
        self._bot: Bot | None = None

    @property
    def bot(self) -> Bot:
        """The Bot API client, made on first use (no I/O when Rasa loads the channel)."""
        if self._bot is None:
            self._bot = make_bot(self._token, self._api_url)
        return self._bot

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """`GET /` health and `POST /webhook` for Telegram's updates."""
        telegram_webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                verify_secret(request.headers.get(SECRET_HEADER), self._secret)
                check_size(request.body)
                inbound = parse_update(request.body or b"")
            except Refused as refused:
                if refused.status == 401:
                    logger.warning("Telegram webhook from %s refused: %s.", request.ip, refused.reason)
                return response.json({"error": refused.reason}, status=refused.status)
            if inbound is None:
                return response.json({"ok": True})
            try:
                await self.take([inbound])
            except DatabaseUnavailable:
                # Not acknowledged: Telegram retries the update; the person hears why meanwhile.
                language = inbound.metadata.get(LANGUAGE_HINT_METADATA) or get_settings().default_language
                with contextlib.suppress(TelegramError, DeliveryFailed):
                    await self._send(platform_id(inbound.conversation_id, CHANNEL), _unavailable(str(language)))
                return response.json({"error": "temporarily unavailable"}, status=503)
            return response.json({"ok": True})

        self.attach(telegram_webhook, on_new_message)
        return telegram_webhook

    async def handle_kind(self, item: Pending) -> Optional[List[Dict[str, Any]]]:
        """`/start` greets then offers the languages, `/lang` offers them, a button tap runs its payload."""
        if item.kind == "button":
            return await self._on_button(item)
        if item.kind not in ("menu", "welcome"):
            return None
        replies = await self.run_turn(item) if item.kind == "welcome" else []
        hint = item.metadata.get(LANGUAGE_HINT_METADATA)
        return [*replies, language_menu(await self.conversation_language(item.conversation_id, hint))]

    async def _on_button(self, item: Pending) -> List[Dict[str, Any]]:
        chat_id = platform_id(item.conversation_id, CHANNEL)
        # Stops the button's spinner; Telegram refuses it for old taps, which still count.
        with contextlib.suppress(TelegramError):
            await self.bot.answer_callback_query(str(item.extra.get("query_id")))
        message_id = item.extra.get("message_id")
        if isinstance(message_id, int):
            # The choice is made: a second tap on the same keyboard would repeat it.
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_reply_markup(chat_id, message_id)
        payload = await asyncio.to_thread(expand, str(item.extra.get("data") or ""))
        if not payload:
            logger.warning("Telegram button with unknown data (inbox item %d); ignored.", item.id)
            return []
        return await self.run_turn(item, payload)

    def working(self, conversation: str) -> Any:
        return self._typing(platform_id(conversation, CHANNEL))

    @contextlib.asynccontextmanager
    async def _typing(self, chat_id: str) -> AsyncIterator[None]:
        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(TelegramError):
                    await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(_TYPING_RENEW_SECONDS)

        task = asyncio.ensure_future(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def deliver(
        self, conversation: str, messages: List[Outgoing], item: Optional[Pending]
    ) -> AsyncIterator[List[int]]:
        """Send each stored message (text in parts, buttons as an inline keyboard), yielding its id once sent."""
        chat_id = platform_id(conversation, CHANNEL)
        for stored in messages:
            await self._send_message(chat_id, stored.message)
            yield [stored.id]

    async def _send_message(self, chat_id: str, message: Mapping[str, Any]) -> None:
        buttons = list(message.get("buttons") or []) + list(message.get("quick_replies") or [])
        text = str(message.get("text") or "")
        if message.get("image"):
            await self._retrying(lambda: self.bot.send_photo(chat_id, photo=str(message["image"])))
        if not text.strip() and not buttons:
            return
        chunks = text_chunks(text) or [KEYBOARD_ONLY_TEXT]
        for chunk in chunks[:-1]:
            await self._send(chat_id, chunk)
        keyboard = await inline_keyboard(buttons) if buttons else None
        await self._send(chat_id, chunks[-1], reply_markup=keyboard)

    async def _send(self, chat_id: str, text: str, **kwargs: Any) -> Message:
        # Answers end with an official link; its preview would bury the answer.
        return await self._retrying(
            lambda: self.bot.send_message(
                chat_id, text, link_preview_options=LinkPreviewOptions(is_disabled=True), **kwargs
            )
        )

    async def _retrying(self, call: Any) -> Any:
        """Call the Bot API, waiting out flood limits and retrying network errors."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await call()
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
                if attempt == SEND_ATTEMPTS or seconds > _MAX_RETRY_AFTER_SECONDS:
                    raise DeliveryFailed(f"Telegram flood limit ({seconds:.0f} s)") from None
                await asyncio.sleep(seconds)
            except (BadRequest, Forbidden) as error:
                raise DeliveryFailed(f"Telegram refused the message ({type(error).__name__})") from None
            except NetworkError as error:
                if attempt == SEND_ATTEMPTS:
                    raise DeliveryFailed(f"Telegram unreachable ({type(error).__name__})") from None
                await asyncio.sleep(0.5 * attempt)
            except TelegramError as error:
                raise DeliveryFailed(f"Telegram error ({type(error).__name__})") from None
        raise DeliveryFailed("Telegram: no attempt left")

    async def notify_unavailable(self, conversation: str, language: str, item: Optional[Pending]) -> None:
        await self._send(platform_id(conversation, CHANNEL), _unavailable(language))

    async def language_menu_for(self, chat_id: str, language: str) -> None:
        """Send the language menu now (the set-up command and tests use it)."""
        await self._send_message(chat_id, language_menu(language))


def _unavailable(language: str) -> str:
    return get_texts().get(language, "service_unavailable")
