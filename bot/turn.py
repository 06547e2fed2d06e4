"""What an action needs to know about this turn, read once from the tracker.

Every action builds one `Turn`, replies, and returns `turn.events`: the
language is decided here once (with the slot event that records it), the
message's prediction and decision come from `bot.decision`, and the ticket
request a hand-off needs is built here, so no action digs into the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.core.contract import (
    HANDOFF_SLOT,
    LANGUAGE_HINT_METADATA,
    LANGUAGE_LOCKED_SLOT,
    LANGUAGE_SLOT,
    LAST_TOPIC_SLOT,
    ORIGIN_METADATA,
    REPHRASE_ASKED_SLOT,
    TOPIC_ENTITY,
    TRUNCATED_METADATA,
)
from bot.decision import Decision, TopicPrediction
from bot.handoff.models import Reason
from bot.handoff.tickets import TicketRequest
from bot.languages import EASY_JAPANESE
from bot.settings import Settings, written_in
from bot.topics import FALLBACK_INTENT, FAQ_INTENT

# The contract's names, for the actions that read them with the turn.
__all__ = [
    "HANDOFF_SLOT",
    "LANGUAGE_LOCKED_SLOT",
    "LANGUAGE_SLOT",
    "LAST_TOPIC_SLOT",
    "REPHRASE_ASKED_SLOT",
    "TOPIC_ENTITY",
    "Turn",
    "read_turn",
]


@dataclass(frozen=True)
class Turn:
    """The latest message and everything decided about it."""

    sender_id: str
    channel: str
    text: str
    intent: str | None
    language: str
    events: Tuple[EventType, ...]
    prediction: TopicPrediction
    decision: Decision
    # A topic named by a button payload (/faq{"topic": ...}), answered as is.
    chosen_topic: str | None
    rephrase_asked: bool
    truncated: bool
    # Guesses about the person's latest question, for a ticket.
    guesses: Tuple[Mapping[str, Any], ...]
    transcript: Tuple[Mapping[str, Any], ...]
    # The person's message as the tracker knows it (the channel's inbox key),
    # so what the turn records is recorded once even if the turn runs again.
    message_id: str | None = None
    # A pseudonym of the network address (REST, widget), for the ticket limit.
    origin: str | None = None
    # The language the person may have meant when detection moved the
    # conversation (the one it was in, the channel's hint, or the other
    # candidate of an ambiguous message): offered as a one-tap fix.
    other_language: str | None = None

    def ticket_request(self, reason: Reason) -> TicketRequest:
        """What a counselor needs to pick the conversation up."""
        return TicketRequest(
            sender_id=self.sender_id,
            channel=self.channel,
            language=self.language,
            reason=reason,
            transcript=[dict(line) for line in self.transcript],
            guesses=[dict(guess) for guess in self.guesses],
            origin=self.origin,
        )

    def with_events(self, *events: EventType) -> List[EventType]:
        """The turn's own events (language) followed by `events`."""
        return [*self.events, *events]


def read_turn(tracker: Tracker, settings: Settings) -> Turn:
    """Read the turn from the tracker once."""
    latest = tracker.latest_message or {}
    language, events = _conversation_language(tracker, settings)
    prediction = TopicPrediction.from_parse(latest)
    other = _other_language(tracker, settings, language)
    metadata = latest.get("metadata") or {}
    return Turn(
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "",
        text=latest.get("text") or "",
        intent=(latest.get("intent") or {}).get("name"),
        language=language,
        events=tuple(events),
        prediction=prediction,
        decision=prediction.decide(settings.thresholds_for(language)),
        chosen_topic=_latest_entity(latest, TOPIC_ENTITY),
        rephrase_asked=bool(tracker.get_slot(REPHRASE_ASKED_SLOT)),
        truncated=bool(metadata.get(TRUNCATED_METADATA)),
        guesses=tuple(_question_guesses(tracker, settings.closest_topics)),
        transcript=tuple(_transcript(tracker)),
        message_id=latest.get("message_id"),
        origin=metadata.get(ORIGIN_METADATA) if isinstance(metadata.get(ORIGIN_METADATA), str) else None,
        other_language=other,
    )


def _conversation_language(tracker: Tracker, settings: Settings) -> Tuple[str, List[EventType]]:
    """The language to answer in, and the slot event that records it.

    An explicitly chosen language sticks. Otherwise the message's language
    decides, as the NLU pipeline detected it once (`language` in the parse;
    bot/nlu/language_detector.py): a message that could be either Japanese or
    Chinese (kanji only) keeps a conversation already in one of them, and
    Japanese keeps a conversation in やさしい日本語. A message that cannot tell
    (emoji, a button payload) keeps the previous language, falling back to a
    channel's hint in metadata, then the default.
    """
    current = tracker.get_slot(LANGUAGE_SLOT)
    known = current if current in settings.languages or current == EASY_JAPANESE else None
    if tracker.get_slot(LANGUAGE_LOCKED_SLOT) and known:
        return known, []
    latest = tracker.latest_message or {}
    detected = latest.get("language")
    if detected not in settings.languages:
        detected = None
    candidates = latest.get("language_candidates") or []
    if detected and known and (known in candidates or (detected == "ja" and known == EASY_JAPANESE)):
        detected = known
    hint = (latest.get("metadata") or {}).get(LANGUAGE_HINT_METADATA)
    language = detected or known
    if language is None:
        language = hint if hint in settings.languages else settings.default_language
    events: List[EventType] = [] if language == current else [SlotSet(LANGUAGE_SLOT, language)]
    return language, events


def _other_language(tracker: Tracker, settings: Settings, language: str) -> str | None:
    """What the person may have meant instead of `language`, when a detection decided it; else None."""
    if tracker.get_slot(LANGUAGE_LOCKED_SLOT):
        return None
    latest = tracker.latest_message or {}
    if not latest.get("language"):
        return None  # nothing was detected: the language was kept, not guessed
    current = tracker.get_slot(LANGUAGE_SLOT)
    if current == language or (current and written_in(current) == written_in(language)):
        return None  # the conversation stays where it was
    # A switch offers the way back; a first message, the app's language or the other candidate.
    hint = (latest.get("metadata") or {}).get(LANGUAGE_HINT_METADATA)
    others = [current] if current else [hint, *(latest.get("language_candidates") or [])]
    for other in others:
        if other != language and other in settings.languages and written_in(other) != written_in(language):
            return str(other)
    return None


def _latest_entity(parse: Mapping[str, Any], name: str) -> str | None:
    for entity in parse.get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def _question_guesses(tracker: Tracker, limit: int) -> List[Mapping[str, Any]]:
    """The closest FAQ topics for the person's latest question, best first.

    The question is the latest user message the model read as a FAQ topic or
    could not place: for "can I talk to a human?" the useful guesses are those
    of the question asked before it. No question, no guesses.
    """
    parses = [tracker.latest_message or {}]
    parses += [e["parse_data"] for e in reversed(tracker.events) if e.get("event") == "user" and e.get("parse_data")]
    for parse in parses:
        if (parse.get("intent") or {}).get("name") in (FAQ_INTENT, FALLBACK_INTENT):
            return list(TopicPrediction.from_parse(parse).guesses(limit))
    return []


def _transcript(tracker: Tracker) -> List[Dict[str, Any]]:
    """The conversation so far as the counselor should read it."""
    lines: List[Dict[str, Any]] = []
    for event in tracker.events:
        role = {"user": "user", "bot": "bot"}.get(event.get("event", ""))
        if role and event.get("text"):
            lines.append({"role": role, "text": event["text"], "timestamp": event.get("timestamp")})
    return lines
