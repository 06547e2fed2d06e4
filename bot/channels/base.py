"""What every channel does, written once (DESIGN.md, "Channels share one shape").

A channel module holds only what its platform makes different: how a request
is verified and parsed, how a bot message is rendered and sent. Everything
else is here:

- verify before parsing, and refuse oversize (`read_body`, `Refused`);
- the durable inbox and the redelivery record (`bot/channels/inbox.py`): a
  message is stored before it is acknowledged, then handled, then marked
  done in the transaction that stores its replies;
- one person's messages in order: one worker per conversation drains its
  inbox items oldest first;
- replies and counselors' messages go through the outbox
  (`bot/channels/outbox.py`) and are pushed with retry; what could not be
  sent is sent again by a sweep and at start;
- a database that is locked or down: the person is told at once, with the
  crisis numbers, and their message waits in the inbox (or on their device)
  until the database is back; Rasa never runs the turn on an empty tracker;
- the language menu.

At start every unfinished inbox item is handled again, in order, once: its
turn carries the item's key as Rasa's `message_id`, and a turn already in the
tracker is not run again; its replies are taken from the tracker instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import weakref
from typing import Any, AsyncIterator, Awaitable, Callable, ClassVar, Dict, List, Mapping, Optional, Sequence, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint
from sqlalchemy.exc import OperationalError

from bot.channels import inbox, outbox
from bot.channels.inbox import Inbound, Pending
from bot.channels.incoming import prepare
from bot.channels.outbox import Outgoing
from bot.core.contract import LANGUAGE_SLOT, REPLY_ID_METADATA
from bot.core.errors import ActionServerUnavailable
from bot.core.faults import crash_point
from bot.db import DatabaseUnavailable
from bot.languages import choose_language_payload
from bot.settings import get_settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# The keys of a Rasa bot message a person can see; Rasa's bookkeeping is dropped.
MESSAGE_KEYS = ("text", "buttons", "quick_replies", "image", "attachment", "elements", "custom")
# An item whose turn fails this many times for a reason other than the
# database is set aside (kept, marked failed) so the person's later messages
# are not stuck behind it.
MAX_ATTEMPTS = 3
# What a turn can fail on that goes away by itself: retried for ever.
TRANSIENT = (OperationalError, DatabaseUnavailable, ActionServerUnavailable)
# The person is told the service is down after this many failed tries in a row (about 3.5 s).
NOTIFY_AFTER_FAILURES = 3
# A database that is down is retried for ever, this often at most.
DATABASE_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# How often messages that could not be sent are tried again.
SWEEP_SECONDS = 10.0
# A message the platform refused is tried again after this long.
RESEND_AFTER = dt.timedelta(seconds=5)


class Refused(Exception):
    """A request the channel does not take: answered with `status`, never parsed further."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class DeliveryFailed(RuntimeError):
    """The platform did not take a message; it stays in the outbox and is sent again later."""


def check_size(body: bytes | None) -> None:
    """Refuse a body over `channels.max_body_bytes` (413), before anything reads it."""
    limit = get_settings().channels.max_body_bytes
    if len(body or b"") > limit:
        raise Refused(413, "request body too large")


def read_json(body: bytes | str | None) -> Any:
    """The JSON value of a body; 400 for anything that is not UTF-8 JSON (deep nesting included)."""
    try:
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else (body or "")
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "malformed JSON body") from None


def shown(message: Mapping[str, Any]) -> Dict[str, Any]:
    """The parts of a Rasa bot message a person sees (text, buttons, custom, ...)."""
    return {key: message[key] for key in MESSAGE_KEYS if message.get(key) not in (None, "", [], {})}


def language_menu(language: str) -> Dict[str, Any]:
    """The language menu as a Rasa-shaped message: a prompt and one button per language."""
    settings = get_settings()
    return {
        "text": get_texts().get(language, "language_menu"),
        "buttons": [
            {"title": language.name, "payload": choose_language_payload(language.code)}
            for language in settings.menu_languages
        ],
    }


def replies_in_tracker(events: Sequence[Any], message_id: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages that answered the user message `message_id`, or None if it is not in the tracker."""
    found = False
    replies: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies if found else None


class Collector(OutputChannel):
    """Keeps a turn's bot messages; they are stored in the outbox, then sent."""

    def __init__(self) -> None:
        self.messages: List[Dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append(dict(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append({"text": text})


class StoredOutput(OutputChannel):
    """A message to a person at any time (a counselor's reply): stored in the outbox, then sent."""

    def __init__(self, channel: ChannelBase) -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> str:
        # Rasa picks an output channel by the conversation's latest input channel.
        return "stored"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        reply_id = message.get(REPLY_ID_METADATA)
        visible = shown(message)
        if not visible:
            return
        key = f"reply:{reply_id}" if reply_id else None
        stored = await asyncio.to_thread(
            outbox.append,
            self.channel.name(),
            recipient_id,
            [visible],
            [key],
            self.channel.pulls_messages,
        )
        if self.channel.can_push:
            self.channel.send_soon(recipient_id, stored)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class ChannelBase(InputChannel):
    """The machinery every Soba channel shares; subclasses supply the platform's part.

    Override points:
    - `deliver(conversation_id, messages, item)`: send stored messages to the
      platform, yielding the ids of each call it took (raise `DeliveryFailed`
      for the rest);
      `item` is the inbox item they answer, if any (a LINE reply token);
    - `handle_kind(item)`: the replies to an item of a kind other than
      "message" (a menu), or None to run a turn;
    - `working(conversation_id)`: an indicator while a turn runs (typing…);
    - `notify_unavailable(conversation_id, language, item)`: tell the person
      the service is down, without the database.
    `pulls_messages` is True for a channel whose client asks for what it has
    not seen (the widget), so its outbox rows need no sending record;
    `can_push` is False for a channel that can only answer (REST): a later
    message to its person is stored and never sent.
    """

    pulls_messages: ClassVar[bool] = False
    can_push: ClassVar[bool] = True

    def __init__(self) -> None:
        self._on_new_message: Optional[OnNewMessage] = None
        # The Sanic app, whose `ctx.agent` Rasa sets before the server starts.
        self._app: Any = None
        # Conversations with a worker draining their inbox, and those kicked meanwhile.
        self._draining: Dict[str, asyncio.Task] = {}
        self._kicked_again: Set[str] = set()
        # One sender at a time per conversation, so stored messages leave in seq order.
        self._send_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: Set[asyncio.Task] = set()
        # Conversations already told the database is down, until it is back.
        self._told_unavailable: Set[str] = set()
        # Inbox items this process stored and has not tried yet: only these can
        # skip the look into the tracker (any other may have run before a crash).
        self._fresh: Set[int] = set()

    # ------------------------------------------------------------------ Rasa's side

    def get_output_channel(self) -> Optional[OutputChannel]:
        return StoredOutput(self)

    def attach(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> None:
        """Give a channel's blueprint the shared start-up: recover unfinished work, then sweep."""
        self._on_new_message = on_new_message

        @blueprint.listener("before_server_start")
        async def remember(app: Any, _loop: Any) -> None:
            self._app = app

        @blueprint.listener("after_server_start")
        async def recover(app: Any, _loop: Any) -> None:
            self._app = app
            self.in_background(self._recover_and_sweep())

        @blueprint.listener("before_server_stop")
        async def drain(_app: Any, _loop: Any) -> None:
            await self._finish_running(timeout=10.0)

    # ------------------------------------------------------------------ platform hooks

    def deliver(
        self, conversation_id: str, messages: List[Outgoing], item: Optional[Pending]
    ) -> AsyncIterator[List[int]]:
        """Send stored messages to the platform, yielding the ids of each call it took; `DeliveryFailed` stops it."""
        raise NotImplementedError

    async def handle_kind(self, item: Pending) -> Optional[List[Dict[str, Any]]]:
        """The replies to an item of the channel's own kind (a menu, a welcome); None to run its turn.

        An implementation may call `run_turn(item, text)` itself, for example
        to add a language menu after the welcome.
        """
        return None

    async def turn_metadata(self, item: Pending) -> Dict[str, Any]:
        """Metadata the platform adds at handling time (a language hint from the profile)."""
        return {}

    def working(self, conversation_id: str) -> Any:
        """An async context manager shown while a turn runs (typing…)."""
        return _Nothing()

    async def notify_unavailable(self, conversation_id: str, language: str, item: Optional[Pending]) -> None:
        """Tell the person, without the database, that their message waits; best effort."""

    # ------------------------------------------------------------------ taking messages

    async def take(self, inbounds: Sequence[Inbound]) -> List[Optional[int]]:
        """Store the messages (the caller acknowledges only after this returns), then handle them.

        Raises `DatabaseUnavailable` when they could not be stored.
        """
        try:
            ids = await asyncio.to_thread(inbox.accept, self.name(), inbounds)
        except OperationalError as error:
            raise DatabaseUnavailable(str(error.orig)) from None
        crash_point("inbox.stored")
        for inbound, item_id in zip(inbounds, ids, strict=True):
            if item_id is None:
                logger.info("A %s event was delivered again; already taken.", self.name())
            else:
                self._fresh.add(item_id)
                self.kick(inbound.conversation_id)
        return ids

    def kick(self, conversation_id: str) -> None:
        """Make sure a worker is draining the conversation's inbox."""
        if conversation_id in self._draining:
            self._kicked_again.add(conversation_id)
            return
        task = asyncio.ensure_future(self._drain(conversation_id))
        self._draining[conversation_id] = task

    async def _drain(self, conversation_id: str) -> None:
        failures = 0
        try:
            while True:
                self._kicked_again.discard(conversation_id)
                try:
                    item = await asyncio.to_thread(inbox.next_pending, conversation_id)
                    if item is None:
                        if conversation_id in self._kicked_again:
                            continue
                        return
                    await self._handle(item)
                    failures = 0
                    self._told_unavailable.discard(conversation_id)
                except TRANSIENT as error:
                    await self._database_down(conversation_id, error, failures)
                    failures += 1
        except Exception:  # a process boundary: the worker must not die silently
            logger.exception("The inbox worker of a %s conversation stopped.", self.name())
        finally:
            self._draining.pop(conversation_id, None)

    async def _apologise(self, item: Pending) -> None:
        """Tell the person a message could not be answered, with the numbers to call (best effort)."""
        try:
            await self.notify_unavailable(item.conversation_id, get_settings().default_language, item)
        except Exception:  # a process boundary: the item is kept, marked failed
            logger.warning("Could not tell a %s person their message failed.", self.name())

    async def _database_down(self, conversation_id: str, error: Exception, failures: int) -> None:
        delay = DATABASE_RETRY_SECONDS[min(failures, len(DATABASE_RETRY_SECONDS) - 1)]
        logger.warning("%s; the message waits, retry in %.1f s.", type(error).__name__, delay)
        # A restart of a server takes seconds: tell the person only when it lasts longer.
        if failures >= NOTIFY_AFTER_FAILURES and conversation_id not in self._told_unavailable:
            self._told_unavailable.add(conversation_id)
            try:
                await self.notify_unavailable(conversation_id, get_settings().default_language, None)
            except Exception:  # best effort: the message itself is safe in the inbox
                logger.warning("Could not tell a %s person the service is down.", self.name())
        await asyncio.sleep(delay)

    async def _handle(self, item: Pending) -> None:
        """Run the item's turn (or recover it), store the replies, mark it done, send them.

        The channel's working indicator (typing…) lasts until the replies are out.
        """
        async with self.working(item.conversation_id):
            try:
                replies = await self.handle_kind(item)
                if replies is None:
                    replies = await self.run_turn(item)
            except TRANSIENT:
                raise
            except Exception:
                attempts = await asyncio.to_thread(inbox.count_attempt, item.id)
                logger.exception("Turn for %s inbox item %d failed (attempt %d).", self.name(), item.id, attempts)
                if attempts >= MAX_ATTEMPTS:
                    await asyncio.to_thread(inbox.mark_failed, item.id)
                    logger.error("Inbox item %d set aside after %d attempts.", item.id, attempts)
                    await self._apologise(item)
                return
            crash_point("turn.stored")
            messages = [message for message in (shown(reply) for reply in replies) if message]
            stored = await asyncio.to_thread(outbox.complete, item, messages, self.pulls_messages)
            crash_point("outbox.stored")
            await self.send_stored(item.conversation_id, stored, item)

    async def run_turn(self, item: Pending, text: Optional[str] = None) -> List[Dict[str, Any]]:
        """The bot's replies to the item (or to `text` in its place), from a new turn or, after a crash, the tracker."""
        if self._on_new_message is None:
            raise RuntimeError(f"channel {self.name()} has no Rasa handler yet")
        fresh = item.id in self._fresh and item.attempts == 0
        self._fresh.discard(item.id)
        if not fresh:
            recovered = await self._replies_already_stored(item)
            if recovered is not None:
                logger.info("Inbox item %d was handled before a restart; its replies are sent, not redone.", item.id)
                return recovered
        settings = get_settings()
        incoming = prepare(item.text if text is None else text, settings.max_message_chars)
        metadata = {**item.metadata, **await self.turn_metadata(item), **incoming.metadata}
        collector = Collector()
        message = UserMessage(
            incoming.text,
            collector,
            item.conversation_id,
            input_channel=self.name(),
            message_id=item.message_id,
            metadata=metadata or None,
        )
        await self._on_new_message(message)
        return collector.messages

    def _tracker_store(self) -> Any:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            # Without the tracker Soba cannot tell whether the turn ran: wait, never guess.
            raise DatabaseUnavailable("the conversation store is not ready yet")
        return store

    async def _replies_already_stored(self, item: Pending) -> Optional[List[Dict[str, Any]]]:
        tracker = await self._tracker_store().retrieve_full_tracker(item.conversation_id)
        return replies_in_tracker(list(tracker.events), item.message_id) if tracker is not None else None

    # ------------------------------------------------------------------ sending

    def send_soon(self, conversation_id: str, fresh: Sequence[Outgoing] | None = None) -> None:
        """Send the conversation's unsent messages (for the widget: `fresh`) in the background."""
        self.in_background(self.send_stored(conversation_id, fresh))

    async def send_stored(
        self, conversation_id: str, fresh: Sequence[Outgoing] | None = None, item: Optional[Pending] = None
    ) -> None:
        """Send what is stored for the conversation and not sent yet, in order; failures wait for the sweep."""
        lock = self._send_locks.get(conversation_id)
        if lock is None:
            lock = self._send_locks[conversation_id] = asyncio.Lock()
        async with lock:
            if self.pulls_messages:
                pending = list(fresh) if fresh is not None else []
            else:
                pending = await asyncio.to_thread(outbox.unsent, conversation_id)
            if not pending:
                return
            fresh_ids = {message.id for message in fresh or ()}
            answers = item if item is not None and all(m.id in fresh_ids for m in pending) else None
            sent: Set[int] = set()
            try:
                # Each platform call is written down as soon as it is answered, so a
                # crash resends at most what was in flight.
                async for ids in self.deliver(conversation_id, pending, answers):
                    crash_point("sent")
                    if not self.pulls_messages:
                        await asyncio.to_thread(outbox.mark_sent, ids)
                    sent.update(ids)
            except DeliveryFailed as error:
                logger.warning("A %s message was not delivered (%s); it will be sent again.", self.name(), error)
            if not self.pulls_messages:
                await asyncio.to_thread(outbox.count_attempt, [m.id for m in pending if m.id not in sent])

    # ------------------------------------------------------------------ start-up and sweep

    async def _recover_and_sweep(self) -> None:
        while True:
            try:
                for conversation_id in await asyncio.to_thread(inbox.unfinished_conversations, self.name()):
                    self.kick(conversation_id)
                if self.can_push and not self.pulls_messages:
                    cutoff = dt.datetime.now(dt.timezone.utc) - RESEND_AFTER
                    for conversation_id in await asyncio.to_thread(
                        outbox.conversations_with_unsent, self.name(), cutoff
                    ):
                        await self.send_stored(conversation_id)
            except (OperationalError, DatabaseUnavailable) as error:
                logger.warning("The %s sweep could not read the database (%s).", self.name(), type(error).__name__)
            except Exception:  # a process boundary: keep sweeping
                logger.exception("The %s sweep failed.", self.name())
            await asyncio.sleep(SWEEP_SECONDS)

    def in_background(self, work: Awaitable[Any]) -> None:
        """Run `work` as a task the event loop keeps a reference to."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_running(self, timeout: float) -> None:
        """At a graceful stop, let running turns finish (unfinished ones are redone at start anyway)."""
        running = [task for task in self._draining.values() if not task.done()]
        if running:
            await asyncio.wait(running, timeout=timeout)

    # ------------------------------------------------------------------ helpers for channels

    async def conversation_language(self, conversation_id: str, hint: Optional[str]) -> str:
        """The conversation's language if it has one, else the platform's hint, else the default."""
        settings = get_settings()
        try:
            tracker = await self._tracker_store().retrieve(conversation_id)
        except (OperationalError, DatabaseUnavailable):
            tracker = None
        current = tracker.get_slot(LANGUAGE_SLOT) if tracker is not None else None
        if current in settings.answer_languages:
            return str(current)
        return hint if hint in settings.languages else settings.default_language


class _Nothing:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_: Any) -> None:
        return None
