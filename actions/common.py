"""What every action needs: the conversation's language, the turn's decision,
the transcript, topic guesses, and the shared knowledge base and database.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot import paths
from bot.db import session_factory
from bot.handoff.models import Reason
from bot.handoff.tickets import TicketRequest
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.languages import detect_language
from bot.settings import Settings, get_settings
from bot.texts import Texts, get_texts
from bot.topics import FALLBACK_INTENT, FAQ_INTENT, faq_selection, faq_topic_ids, topic_of

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
LANGUAGE_LOCKED_SLOT = "language_locked"
LAST_TOPIC_SLOT = "last_topic"
TOPIC_ENTITY = "topic"


@lru_cache(maxsize=1)
def knowledge() -> KnowledgeBase:
    """The knowledge base, validated once per action-server process."""
    settings = get_settings()
    return load_knowledge(paths.KNOWLEDGE_DIR, settings.language_codes, faq_topic_ids())


def db_session() -> Session:
    """A new session on the configured database."""
    return session_factory(get_settings().database_url)()


def settings() -> Settings:
    """The process-wide settings."""
    return get_settings()


def texts() -> Texts:
    """The process-wide texts."""
    return get_texts()


def conversation_language(tracker: Tracker) -> Tuple[str, List[EventType]]:
    """The language to answer in, and the slot event that records it.

    An explicitly chosen language sticks; otherwise the latest message decides,
    and a message that cannot tell (emoji, a button payload) keeps the previous
    language, falling back to a channel hint in metadata, then the default.
    """
    config = settings()
    current = tracker.get_slot(LANGUAGE_SLOT)
    if tracker.get_slot(LANGUAGE_LOCKED_SLOT) and current in config.languages:
        return current, []
    text = tracker.latest_message.get("text") or ""
    detected = detect_language(text, config.language_codes)
    hint = (tracker.latest_message.get("metadata") or {}).get("language")
    language = detected or (current if current in config.languages else None)
    if language is None:
        language = hint if hint in config.languages else config.default_language
    events: List[EventType] = [] if language == current else [SlotSet(LANGUAGE_SLOT, language)]
    return language, events


def decide(dispatcher: CollectingDispatcher, kind: str, **fields: Any) -> None:
    """Send the turn's one `custom` object (the REST contract in DESIGN.md)."""
    dispatcher.utter_message(json_message={"type": kind, **fields})


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The value of entity `name` in the latest message (button payloads carry it)."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def faq_prediction(tracker: Tracker) -> Tuple[str | None, float]:
    """The topic the ResponseSelector chose for the latest message, and its confidence."""
    response = faq_selection(tracker.latest_message).get("response") or {}
    key = response.get("intent_response_key")
    if not key:
        return None, 0.0
    return topic_of(key), float(response.get("confidence") or 0.0)


def topic_guesses(tracker: Tracker, limit: int) -> List[Dict[str, Any]]:
    """The closest FAQ topics for the person's latest question, best first.

    The question is the latest user message the model read as a FAQ topic or
    could not place (nlu_fallback): for "can I talk to a human?" the useful
    guesses are those of the question asked before it. No question, no guesses.
    """
    for parse in _user_parses_newest_first(tracker):
        if (parse.get("intent") or {}).get("name") in (FAQ_INTENT, FALLBACK_INTENT):
            selector = faq_selection(parse)
            guesses = [
                {"topic": topic_of(item["intent_response_key"]), "confidence": round(float(item["confidence"]), 4)}
                for item in selector.get("ranking") or []
                if item.get("intent_response_key")
            ]
            return guesses[:limit]
    return []


def _user_parses_newest_first(tracker: Tracker) -> List[Dict[str, Any]]:
    parses = [tracker.latest_message or {}]
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("parse_data"):
            parses.append(event["parse_data"])
    return parses


def ticket_request(tracker: Tracker, language: str, reason: Reason) -> TicketRequest:
    """What a counselor needs to pick the conversation up."""
    return TicketRequest(
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "",
        language=language,
        reason=reason,
        transcript=transcript(tracker),
        guesses=topic_guesses(tracker, settings().closest_topics),
    )


def transcript(tracker: Tracker) -> List[Dict[str, Any]]:
    """The conversation so far as the counselor should read it."""
    lines: List[Dict[str, Any]] = []
    for event in tracker.events:
        role = {"user": "user", "bot": "bot"}.get(event.get("event", ""))
        if role and event.get("text"):
            lines.append({"role": role, "text": event["text"], "timestamp": event.get("timestamp")})
    return lines


def topic_buttons(language: str, topics: List[str]) -> List[Dict[str, str]]:
    """Buttons that answer a topic directly when clicked."""
    base = knowledge()
    return [
        {"title": base[topic].title[language], "payload": f'/{FAQ_INTENT}{{"{TOPIC_ENTITY}":"{topic}"}}'}
        for topic in topics
        if topic in base
    ]
