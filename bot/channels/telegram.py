"""Soba on Telegram: a Rasa input channel built on python-telegram-bot.

Configured in credentials.yml:

    bot.channels.telegram.TelegramInput:
      bot_token: ${TELEGRAM_BOT_TOKEN}
      secret_token: ${TELEGRAM_SECRET_TOKEN}

Telegram posts each update to `POST /webhooks/telegram/webhook` (registered by
`python -m bot.cli telegram set-webhook --url https://<public host>`). Every
request must carry the secret in `X-Telegram-Bot-Api-Secret-Token`; others get
401 and are not read. An accepted update is answered 200 at once and handled
in a background task, so a slow turn never makes Telegram retry; an update
Telegram delivers again (same `update_id`) is handled once.

- str (or a photo's caption) goes through `bot.channels.incoming.prepare`;
  a photo, sticker or voice message without text becomes `/no_text`.
- `/start` greets and offers the languages, `/lang` offers the languages,
  `/human` asks for a counselor. Other commands are read as text.
- The person's Telegram `language_code` is a hint for the conversation's
  language (bot/channels/language_hint.py).
- A button tap (callback query) is acknowledged, its keyboard removed so it
  cannot be tapped twice, and its payload handled as the person's message.
- "typing…" shows while Soba works.
- `get_output_channel()` sends to a chat at any later time, inside the
  running event loop (a counselor's reply through Rasa's
  `POST /conversations/<id>/tracker/events?output_channel=latest`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.channels.incoming import prepare
from bot.channels.language_hint import hint_metadata, language_hint
from bot.channels.payloads import expand
from bot.channels.seen_events import first_delivery
from bot.channels.telegram_render import KEYBOARD_ONLY_TEXT, inline_keyboard, text_chunks
from bot.languages import choose_language_payload
from bot.settings import get_settings
from bot.texts import get_texts
from bot.turn import LANGUAGE_SLOT

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Payloads the commands send to Rasa (the intents in domain.yml).
GREET_PAYLOAD = "/greet"
HUMAN_PAYLOAD = "/request_human"
# Telegram shows "typing…" for 5 seconds; renew it a little before.
_TYPING_RENEW_SECONDS = 4.5

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def make_bot(token: str, api_url: str | None = None) -> Bot:
    """A Bot on the configured Bot API server (Telegram's, or the tests' fake)."""
    # httpx logs every request's URL at INFO, and a Bot API URL holds the bot token.
    httpx_logger = logging.getLogger("httpx")
    if httpx_logger.getEffectiveLevel() < logging.WARNING:
        httpx_logger.setLevel(logging.WARNING)
    return Bot(token, base_url=f"{api_url or get_settings().channels.telegram_api}/bot")


class TelegramOutput(OutputChannel):
    """Sends Rasa's messages to a Telegram chat; the recipient id is the chat id."""

    @classmethod
    def name(cls) -> str:
        """The channel's name, as in the tracker's `input_channel`."""
        return CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send plain text, split where it exceeds Telegram's 4,096 characters."""
        for chunk in text_chunks(text):
            await self._send(recipient_id, chunk)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send text with the buttons as an inline keyboard under its last part."""
        chunks = text_chunks(text or "") or [KEYBOARD_ONLY_TEXT]
        for chunk in chunks[:-1]:
            await self._send(recipient_id, chunk)
        await self._send(recipient_id, chunks[-1], reply_markup=await inline_keyboard(buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send a photo by URL."""
        await self.bot.send_photo(recipient_id, photo=image)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Nothing: the `custom` object says what Soba decided, for programs, not for the person."""
        logger.debug("Not sent to Telegram chat %s: custom %s", recipient_id, json_message)

    async def _send(self, chat_id: str, text: str, **kwargs: Any) -> Message:
        # Answers end with an official link; its preview would bury the answer.
        return await self.bot.send_message(
            chat_id, text, link_preview_options=LinkPreviewOptions(is_disabled=True), **kwargs
        )


class TelegramInput(InputChannel):
    """Telegram webhook: verified, answered at once, handled in the background, once per update.

    Override points: `handle_update` (one verified, first-seen update) and
    `language_menu` (what `/start` and `/lang` offer).
    """

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
        self._token = bot_token
        self._secret = secret_token.encode("utf-8")
        self._api_url = api_url
        self._bot: Bot | None = None
        # Background turns, referenced so the event loop does not drop them.
        self._tasks: Set[asyncio.Task] = set()

    @property
    def bot(self) -> Bot:
        """The Bot API client, made on first use (no I/O when Rasa loads the channel)."""
        if self._bot is None:
            self._bot = make_bot(self._token, self._api_url)
        return self._bot

    def get_output_channel(self) -> OutputChannel:
        """An output channel that can send to any chat now, in the running loop."""
        return TelegramOutput(self.bot)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """`GET /` health and `POST /webhook` for Telegram's updates."""
        telegram_webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return telegram_webhook

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self._authentic(request):
            logger.warning("Telegram webhook: missing or wrong %s from %s; refused.", SECRET_HEADER, request.ip)
            return response.json({"error": "unauthorized"}, status=401)
        if len(request.body or b"") > get_settings().channels.max_body_bytes:
            return response.json({"error": "request body too large"}, status=413)
        try:
            data = json.loads(request.body)
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
        except Exception as error:  # a request boundary: whatever the body was, it is no update
            logger.warning("Telegram webhook: unreadable update (%s).", type(error).__name__)
            update = None
        if update is None or not isinstance(update.update_id, int):
            return response.json({"error": "not a Telegram update"}, status=400)
        if not await asyncio.to_thread(first_delivery, CHANNEL, str(update.update_id)):
            logger.info("Telegram update %s delivered again; already handled.", update.update_id)
            return response.json({"ok": True})
        agent = getattr(request.app.ctx, "agent", None)
        self._in_background(self.handle_update(update, on_new_message, agent))
        return response.json({"ok": True})

    def _authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER)
        return given is not None and hmac.compare_digest(given.encode("utf-8"), self._secret)

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle_update(self, update: Update, on_new_message: OnNewMessage, agent: Any) -> None:
        """Handle one verified, first-seen update; failures are logged (Telegram already has its 200)."""
        try:
            if update.callback_query is not None:
                await self._on_button(update.callback_query, on_new_message)
            elif update.message is not None:
                await self._on_message(update.message, on_new_message, agent)
            else:
                logger.debug("Telegram update %s has nothing Soba handles.", update.update_id)
        except Exception:  # a process boundary: nobody else would see the error
            logger.exception("Telegram update %s failed.", update.update_id)

    async def _on_message(self, message: Message, on_new_message: OnNewMessage, agent: Any) -> None:
        if message.chat.type != "private":
            # A consultation is one to one; in a group everyone would share one conversation.
            logger.info("Telegram message in a %s chat ignored.", message.chat.type)
            return
        settings = get_settings()
        chat_id = str(message.chat_id)
        user_language = message.from_user.language_code if message.from_user else None
        hint = hint_metadata(user_language, settings.language_codes)
        text = message.text if message.text is not None else message.caption
        command = _command(text)
        if command in ("start", "help"):
            await self._turn(chat_id, GREET_PAYLOAD, hint, on_new_message)
            await self.language_menu(chat_id, await self._language(agent, chat_id, user_language))
        elif command == "lang":
            await self.language_menu(chat_id, await self._language(agent, chat_id, user_language))
        elif command == "human":
            await self._turn(chat_id, HUMAN_PAYLOAD, hint, on_new_message)
        else:
            # A typed "/something" is read as words: intent payloads come only from buttons.
            words = text.lstrip("/") if text and text.startswith("/") else text
            incoming = prepare(words, settings.max_message_chars)
            await self._turn(chat_id, incoming.text, {**hint, **incoming.metadata}, on_new_message)

    async def _on_button(self, query: CallbackQuery, on_new_message: OnNewMessage) -> None:
        # Stops the button's spinner; Telegram refuses it for old taps, which still count.
        with contextlib.suppress(TelegramError):
            await self.bot.answer_callback_query(query.id)
        message = query.message
        chat_id = str(message.chat.id if message is not None else query.from_user.id)
        if isinstance(message, Message) and message.reply_markup is not None:
            # The choice is made: a second tap on the same keyboard would repeat it.
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_reply_markup(chat_id, message.message_id)
        payload = await asyncio.to_thread(expand, query.data or "")
        if not payload:
            logger.warning("Telegram button with unknown data in chat %s; ignored.", chat_id)
            return
        hint = hint_metadata(query.from_user.language_code, get_settings().language_codes)
        await self._turn(chat_id, payload, hint, on_new_message)

    async def _turn(self, chat_id: str, text: str, metadata: Dict[str, Any], on_new_message: OnNewMessage) -> None:
        message = UserMessage(
            text, TelegramOutput(self.bot), sender_id=chat_id, input_channel=CHANNEL, metadata=metadata or None
        )
        async with self._typing(chat_id):
            await on_new_message(message)

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

    async def language_menu(self, chat_id: str, language: str) -> None:
        """Offer every supported language as a button; a tap sends its choose_language payload."""
        settings = get_settings()
        buttons = [
            {"title": lang.name, "payload": choose_language_payload(code)} for code, lang in settings.languages.items()
        ]
        await TelegramOutput(self.bot).send_text_with_buttons(
            chat_id, get_texts().get(language, "language_menu"), buttons
        )

    async def _language(self, agent: Any, chat_id: str, user_language: str | None) -> str:
        """The conversation's language if it has one, else the Telegram hint, else the default."""
        settings = get_settings()
        tracker_store = getattr(agent, "tracker_store", None)
        if tracker_store is not None:
            tracker = await tracker_store.retrieve(chat_id)
            current = tracker.get_slot(LANGUAGE_SLOT) if tracker is not None else None
            if current in settings.languages:
                return str(current)
        return language_hint(user_language, settings.language_codes) or settings.default_language


def _command(text: str | None) -> str | None:
    """The bot command a message starts with ("/start@soba_bot hi" → "start"), or None."""
    words = text[1:].split(maxsplit=1) if text and text.startswith("/") else []
    return words[0].split("@", 1)[0].lower() or None if words else None
