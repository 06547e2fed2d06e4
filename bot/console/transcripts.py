"""The conversation as a counselor reads it: who wrote each message, in which language, about what.

Each of the person's messages keeps its original text; where it is not in
Japanese the line also names the detected language and the bot's topic guess
(as a topic title in the UI language), so a counselor who reads only Japanese
knows what it is about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from bot.console import i18n
from bot.decision import TopicPrediction
from bot.handoff.conversation import transcript
from bot.handoff.models import Author, Ticket, TicketMessage
from bot.languages import detect_language
from bot.topics import FALLBACK_INTENT, FAQ_INTENT

# The language a counselor reads; other languages get the explanation.
COUNSELOR_LANGUAGE = "ja"


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


def lines_from_ticket(ticket: Ticket, messages: Iterable[TicketMessage], context: LineContext) -> List[Line]:
    """The lines the database holds (when Rasa cannot be read): the transcript up to the hand-off, then after it."""
    lines = [
        _line(raw.get("role", "user"), raw["text"], _from_epoch(raw.get("timestamp")), None, None, None, context)
        for raw in ticket.transcript or []
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
    return Line(role, author, text, i18n.local_time(when, with_seconds=True), language_note, topic_note)


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
