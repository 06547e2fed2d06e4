"""The answer knowledge base: one YAML file per FAQ topic in knowledge/."""

from bot.knowledge.base import KnowledgeBase, KnowledgeError, Topic, load_knowledge

__all__ = ["KnowledgeBase", "KnowledgeError", "Topic", "load_knowledge"]
