"""FAQ topics as the console names them (titles from the knowledge base) and answers to insert."""

from __future__ import annotations

from typing import List, Tuple

from bot.console import i18n
from bot.knowledge import AnswerLabels, KnowledgeBase, get_knowledge
from bot.settings import Settings
from bot.texts import get_texts


def _knowledge() -> KnowledgeBase:
    # The same validated knowledge base the actions answer from (read once per process).
    return get_knowledge()


def topic_title(topic: str, ui: str) -> str:
    """The topic's title in the UI language (Japanese if missing); the id if unknown."""
    base = _knowledge()
    if topic not in base:
        return topic
    titles = base[topic].title
    return titles.get(i18n.ui_language(ui)) or titles.get(i18n.DEFAULT_UI_LANGUAGE) or topic


def topic_choices(ui: str) -> List[Tuple[str, str]]:
    """(topic id, title) for every topic, sorted by title, for the "insert answer" menu."""
    return sorted(((topic, topic_title(topic, ui)) for topic in _knowledge().topic_ids), key=lambda item: item[1])


def answer_in(topic: str, language: str, settings: Settings) -> str:
    """The knowledge-base answer to `topic` in the person's `language` (the default language if not supported)."""
    if language not in settings.languages:
        language = settings.default_language
    return _knowledge()[topic].render(language, AnswerLabels.from_texts(get_texts(), language))


def is_topic(topic: str) -> bool:
    """Whether the knowledge base has `topic`."""
    return topic in _knowledge()
