"""The conversation as a counselor reads it: who wrote each message, in which language, about what.

Each of the person's messages keeps its original text; where it is not in
Japanese the line also names the detected language and the bot's topic guess
(as a topic title in the UI language), so a counselor who reads only Japanese
knows what it is about.

The lines come from Rasa's record of the conversation in the database
(bot/console/tracker_events.py), a page after a cursor at a time, so the
ticket page's poll gets only what is new. Where that record has nothing for
the conversation (Rasa keeps its trackers elsewhere, or never wrote there),
the lines are the copy kept with the ticket: the transcript up to the
hand-off, then the messages after it, with their own ids as the cursor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console import i18n, tracker_events
from bot.decision import TopicPrediction
from bot.handoff.conversation import transcript
from bot.handoff.models import Author, Ticket, TicketMessage
from bot.languages import detect_language
from bot.text.furigana import without_readings
from bot.topics import FALLBACK_INTENT, FAQ_INTENT

# The language a counselor reads; other languages get the explanation.
COUNSELOR_LANGUAGE = "ja"
# Where lines come from: Rasa's record of the conversation, or the ticket's own copy.
FROM_EVENTS = "events"
FROM_TICKET = "ticket"


@dataclass(frozen=True)
class Line:
    """One message of the conversation, ready to show."""

    role: str  # user | bot | staff
    author: str
    text: str
    at: str
    # Only for the person's messages in another language than Japanese:
    # "言語: 英語" and "話題の推測: 残業代の未払い" in the UI language.
    language_note: str = ""
    topic_note: str = ""

    def as_json(self) -> Dict[str, str]:
        """For the page's poll (rendered with textContent, never as HTML)."""
        return asdict(self)


@dataclass(frozen=True)
class LineContext:
    """What turning raw messages into lines needs."""

    ui: str
    language_codes: tuple
    # topic id → title in the UI language
    topic_title: Callable[[str], str]
    # staff login → display name
    staff_names: Mapping[str, str]


@dataclass(frozen=True)
class TranscriptPage:
    """Lines after a cursor, and the cursor to ask with next time."""

    lines: List[Line]
    # FROM_EVENTS or FROM_TICKET; the cursor means something only within one source.
    source: str
    # The id of the last row read (ask with ?after= this next time).
    after: int
    # More lines wait beyond this page.
    more: bool
    # The cursor asked with belonged to the other source: these lines start from the beginning.
    reset: bool = False


def read_transcript(
    db: Session,
    ticket: Ticket,
    context: LineContext,
    after: Optional[int] = None,
    source: Optional[str] = None,
    limit: Optional[int] = None,
) -> TranscriptPage:
    """The ticket's conversation after the cursor `after` of `source` (None: from the start), at most `limit` rows."""
    current = FROM_EVENTS if tracker_events.has_conversation(db, ticket.sender_id) else FROM_TICKET
    reset = source is not None and source != current
    if reset:
        after = None
    if current == FROM_EVENTS:
        events = tracker_events.message_events(db, ticket.sender_id, after or 0, None if limit is None else limit + 1)
        shown = events[:limit] if limit is not None else events
        lines = lines_from_events([stored.event for stored in shown], context)
        cursor = shown[-1].id if shown else after or 0
        return TranscriptPage(lines, current, cursor, len(events) > len(shown), reset)
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.id > (after or 0))
    query = query.order_by(TicketMessage.id)
    messages = list(db.execute(query if limit is None else query.limit(limit + 1)).scalars())
    kept = messages[:limit] if limit is not None else messages
    lines = lines_from_ticket(ticket, kept, context, with_transcript=after is None)
    cursor = kept[-1].id if kept else after or 0
    return TranscriptPage(lines, current, cursor, len(messages) > len(kept), reset)


def lines_from_events(events: Iterable[Mapping[str, Any]], context: LineContext) -> List[Line]:
    """The lines of a Rasa tracker's events (the whole conversation, pauses included)."""
    lines: List[Line] = []
    for event in events:
        # transcript() decides what a message is and who wrote it; the parse gives the topic.
        for line in transcript([dict(event)]):
            parse = event.get("parse_data") or {}
            topic = _topic_guess(parse) if line["role"] == "user" else None
            when = _from_epoch(line.get("timestamp"))
            staff, language = line.get("staff"), line.get("language")
            lines.append(_line(line["role"], line["text"], when, staff, language, topic, context))
    return lines


def lines_from_ticket(
    ticket: Ticket, messages: Iterable[TicketMessage], context: LineContext, with_transcript: bool = True
) -> List[Line]:
    """The lines the ticket keeps: the transcript up to the hand-off (unless shown already), then `messages`."""
    before_hand_off = (ticket.transcript or []) if with_transcript else []
    lines = [
        _line(raw.get("role", "user"), raw["text"], _from_epoch(raw.get("timestamp")), None, None, None, context)
        for raw in before_hand_off
        if raw.get("text")
    ]
    roles = {Author.PERSON.value: "user", Author.STAFF.value: "staff", Author.BOT.value: "bot"}
    for message in messages:
        lines.append(
            _line(
                roles.get(message.author, "bot"),
                message.text,
                message.created_at,
                message.staff,
                message.language if message.author == Author.PERSON.value else None,
                message.topic_guess,
                context,
            )
        )
    return lines


def _line(
    role: str,
    text: str,
    when: Optional[dt.datetime],
    staff: Optional[str],
    language: Optional[str],
    topic: Optional[str],
    context: LineContext,
) -> Line:
    ui = context.ui
    if role == "staff":
        author = i18n.text(ui, "author_staff", name=context.staff_names.get(staff or "", staff or ""))
    else:
        author = i18n.text(ui, "author_user" if role == "user" else "author_bot")
    language_note = topic_note = ""
    if role == "user":
        language = language or detect_language(text, context.language_codes)
        if language and language != COUNSELOR_LANGUAGE:
            language_note = i18n.text(ui, "line_language", language=i18n.language_name(ui, language))
            if topic:
                topic_note = i18n.text(ui, "line_topic", topic=context.topic_title(topic))
    # やさしい日本語 replies carry <ruby> furigana; the console shows text, and counselors read kanji.
    shown = without_readings(text) if role == "bot" else text
    return Line(role, author, shown, i18n.local_time(when, with_seconds=True), language_note, topic_note)


def _topic_guess(parse: Mapping[str, Any]) -> Optional[str]:
    """The bot's best FAQ topic for a message it read as a question (not for "talk to a human")."""
    if (parse.get("intent") or {}).get("name") not in (FAQ_INTENT, FALLBACK_INTENT):
        return None
    return TopicPrediction.from_parse(parse).top_topic


def _from_epoch(value: Any) -> Optional[dt.datetime]:
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
