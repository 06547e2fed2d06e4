"""Would Soba answer this? One rule, used by the actions, the evaluation and `make bench`.

A parse result becomes a `TopicPrediction` (the intent and the ranked FAQ
topics), and `decide` turns it into what the person gets (DESIGN.md,
"Decisions in a turn"):

- crisis: contacts and an urgent ticket, always first;
- another intent (greet, request_human, ...) when the model is sure of it;
- answer: the top topic is likely enough on its own;
- clarify: the closest topics together are likely enough; ask which one;
- rephrase: not sure at all; ask to say it another way (the action hands
  off on a second miss).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Tuple

from bot.core.contract import CRISIS_INTENT
from bot.topics import FALLBACK_INTENT, FAQ_INTENT, faq_selection, topic_of

__all__ = ["CRISIS_INTENT", "Decision", "Outcome", "Thresholds", "TopicPrediction"]


class Outcome(enum.Enum):
    """What the person gets for a message."""

    CRISIS = "crisis"
    INTENT = "intent"
    ANSWER = "answer"
    CLARIFY = "clarify"
    REPHRASE = "rephrase"


@dataclass(frozen=True)
class Thresholds:
    """Confidence thresholds of one language (settings.yml, chosen by `make bench`)."""

    # The top topic's probability at or above which Soba answers it.
    answer: float
    # The closest topics' summed probability at or above which Soba asks which one.
    clarify: float
    # A non-FAQ intent's probability at or above which Soba acts on it.
    intent: float
    # How many topics a clarify question offers.
    choices: int


@dataclass(frozen=True)
class Decision:
    """The outcome and the topics it concerns (one to answer, or the choices)."""

    outcome: Outcome
    topics: Tuple[str, ...] = ()
    intent: str | None = None


@dataclass(frozen=True)
class TopicPrediction:
    """The model's view of one message: its intent and the FAQ topics, best first."""

    intent: str | None
    intent_confidence: float
    topics: Tuple[Tuple[str, float], ...]
    # The language the pipeline detected (bot/nlu/language_detector.py), if it does.
    language: str | None = None

    @classmethod
    def from_parse(cls, parse: Mapping[str, Any]) -> TopicPrediction:
        """Read a Rasa parse result (ours, or a stock ResponseSelector's)."""
        intent = parse.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        if name == FALLBACK_INTENT:
            ranked = [item for item in parse.get("intent_ranking") or [] if item.get("name") != FALLBACK_INTENT]
            if ranked:
                name, confidence = ranked[0]["name"], float(ranked[0]["confidence"])
        ranking = faq_selection(parse).get("ranking") or []
        topics = tuple(
            (topic_of(item["intent_response_key"]), float(item["confidence"]))
            for item in ranking
            if item.get("intent_response_key")
        )
        language = parse.get("language")
        return cls(
            intent=name,
            intent_confidence=confidence,
            topics=topics,
            language=str(language) if isinstance(language, str) else None,
        )

    @property
    def top_topic(self) -> str | None:
        """The most likely FAQ topic, if any."""
        return self.topics[0][0] if self.topics else None

    def guesses(self, limit: int) -> Sequence[Mapping[str, Any]]:
        """The closest topics with their confidences, for tickets and counselors."""
        return [{"topic": topic, "confidence": round(confidence, 4)} for topic, confidence in self.topics[:limit]]

    def decide(self, thresholds: Thresholds) -> Decision:
        """What the person gets for this message."""
        if self.intent == CRISIS_INTENT:
            return Decision(Outcome.CRISIS, intent=CRISIS_INTENT)
        if self.intent not in (FAQ_INTENT, FALLBACK_INTENT, None) and self.intent_confidence >= thresholds.intent:
            return Decision(Outcome.INTENT, intent=self.intent)
        if not self.topics:
            return Decision(Outcome.REPHRASE)
        top, confidence = self.topics[0]
        if confidence >= thresholds.answer:
            return Decision(Outcome.ANSWER, (top,))
        closest = self.topics[: thresholds.choices]
        if sum(confidence for _, confidence in closest) >= thresholds.clarify:
            return Decision(Outcome.CLARIFY, tuple(topic for topic, _ in closest))
        return Decision(Outcome.REPHRASE, tuple(topic for topic, _ in closest))
