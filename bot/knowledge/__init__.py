"""The answer knowledge base: one YAML file per FAQ topic in knowledge/, with figures.yml and places.yml."""

from bot.knowledge.base import (
    AnswerLabels,
    AnswerText,
    Details,
    FirstScreen,
    KnowledgeBase,
    KnowledgeError,
    Topic,
    get_knowledge,
    load_knowledge,
)

__all__ = [
    "AnswerLabels",
    "AnswerText",
    "Details",
    "FirstScreen",
    "KnowledgeBase",
    "KnowledgeError",
    "Topic",
    "get_knowledge",
    "load_knowledge",
]
