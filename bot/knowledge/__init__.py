"""The answer knowledge base: one YAML file per FAQ topic in knowledge/, figures in figures.yml."""

from bot.knowledge.base import AnswerLabels, KnowledgeBase, KnowledgeError, Topic, load_knowledge

__all__ = ["AnswerLabels", "KnowledgeBase", "KnowledgeError", "Topic", "load_knowledge"]
