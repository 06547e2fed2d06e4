"""What every action shares: the turn, the knowledge base, texts, the database,
and the one `custom` object a turn sends (the REST contract in DESIGN.md).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.db import session_factory
from bot.knowledge import AnswerLabels, KnowledgeBase, get_knowledge
from bot.settings import Settings, get_settings
from bot.texts import Texts, get_texts
from bot.topics import FAQ_INTENT
from bot.turn import TOPIC_ENTITY, Turn, read_turn


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


def human_button(language: str) -> Dict[str, str]:
    """The button that asks for a human counselor."""
    return {"title": texts().get(language, "human_button"), "payload": "/request_human"}
