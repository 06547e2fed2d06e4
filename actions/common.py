"""What every action shares: the turn, the knowledge base, texts, the database,
and the one `custom` object a turn sends (the REST contract in DESIGN.md).
"""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.core.contract import LANGUAGE_SLOT
from bot.db import session_factory
from bot.knowledge import AnswerLabels, KnowledgeBase, get_knowledge
from bot.languages import choose_language_payload
from bot.settings import EASY_JAPANESE, Settings, get_settings
from bot.text.furigana import with_readings
from bot.texts import Texts, get_texts
from bot.topics import FAQ_INTENT
from bot.turn import TOPIC_ENTITY, Turn, read_turn

Run = Callable[[Any, CollectingDispatcher, Tracker, Dict[str, Any]], Awaitable[List[Dict[str, Any]]]]


def knowledge() -> KnowledgeBase:
    """The knowledge base, validated once per process (bot.knowledge.get_knowledge)."""
    return get_knowledge()


def db_session() -> Session:
    """A new session on the configured database."""
    return session_factory(get_settings().database_url)()


def settings() -> Settings:
    """The process-wide settings."""
    return get_settings()


def texts() -> Texts:
    """The process-wide texts."""
    return get_texts()


def turn(tracker: Tracker) -> Turn:
    """This turn, read once from the tracker."""
    return read_turn(tracker, get_settings())


def decide(dispatcher: CollectingDispatcher, kind: str, **fields: Any) -> None:
    """Send the turn's one `custom` object (the REST contract in DESIGN.md)."""
    dispatcher.utter_message(json_message={"type": kind, **fields})


def answer_labels(language: str) -> AnswerLabels:
    """Soba's words around every answer in `language`."""
    return AnswerLabels.from_texts(texts(), language)


def topic_payload(topic: str) -> str:
    """A button payload that answers `topic` directly when clicked."""
    return f'/{FAQ_INTENT}{{"{TOPIC_ENTITY}":"{topic}"}}'


def topic_buttons(language: str, topics: List[str]) -> List[Dict[str, str]]:
    """Buttons titled with the topics' names in `language` that answer them when clicked."""
    base = knowledge()
    return [
        {"title": base[topic].title[language], "payload": topic_payload(topic)} for topic in topics if topic in base
    ]


def language_fix_buttons(turn: Turn) -> List[Dict[str, str]]:
    """One tap back to the language the person may have meant, when detection chose another (else none)."""
    other = turn.other_language
    if other is None or other not in settings().languages:
        return []
    return [{"title": f"🌐 {settings().languages[other].name}", "payload": choose_language_payload(other)}]


def human_button(language: str) -> Dict[str, str]:
    """The button that asks for a human counselor."""
    return {"title": texts().get(language, "human_button"), "payload": "/request_human"}


def turn_language(tracker: Tracker, events: List[Dict[str, Any]]) -> str | None:
    """The language the turn answered in: set by this action's events, else the conversation's."""
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
            return event.get("value")
    return tracker.get_slot(LANGUAGE_SLOT)


def readings_for_easy_japanese(run: Run) -> Run:
    """An action's `run` whose texts carry furigana when the turn is in やさしい日本語 (bot/text/furigana.py).

    Button titles stay plain: LINE cuts a label at 20 characters.
    """

    @functools.wraps(run)
    async def wrapped(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        events = await run(self, dispatcher, tracker, domain)
        if turn_language(tracker, events) == EASY_JAPANESE:
            for message in dispatcher.messages:
                if message.get("text"):
                    message["text"] = with_readings(message["text"])
        return events

    return wrapped
