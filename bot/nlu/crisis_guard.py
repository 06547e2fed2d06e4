"""Make `crisis` win over every other prediction, including nlu_fallback.

A person in danger must never get a FAQ answer or a "not sure" reply. The
guard runs last in the pipeline and sets the intent to `crisis` when the
classifier gives crisis at least `threshold` (lower than the fallback
threshold on purpose), or when the text contains one of the configured
phrases, which catches what a statistical model may miss.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.features import character_view
from bot.nlu.romaji import romaji_to_hiragana

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"


def normalize(text: str) -> str:
    """The character view of the classifier (NFKC, lower case, hiragana, no spaces inside Japanese).

    So シニタイ, ＳＵＩＣＩＤＥ and a learner's 「しに　たい」 all meet their phrase.
    """
    return character_view(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisGuard(GraphComponent):
    """Overrides the predicted intent with `crisis` on any crisis signal."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns default config (see parent class for full docstring)."""
        return {
            # Crisis confidence from the classifier at or above which the
            # message is treated as crisis, whatever ranked first.
            "threshold": 0.3,
            # Phrases that mean crisis on their own (matched after NFKC and
            # case folding, anywhere in the text).
            "phrases": [],
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        """Store the threshold and normalised phrases."""
        self._threshold = float(config["threshold"])
        # Latin-script phrases match whole words only ("rape" is not "grapes").
        self._patterns = tuple(
            re.compile(rf"\b{re.escape(normalize(phrase))}\b" if phrase.isascii() else re.escape(normalize(phrase)))
            for phrase in config["phrases"]
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisGuard:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set the intent to crisis where a crisis signal is present."""
        for message in messages:
            self._guard(message)
        return messages

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if text.startswith("/"):
            # Button payloads name their intent explicitly.
            return
        ranking = message.get(INTENT_RANKING_KEY) or []
        confidence = next(
            (float(item[PREDICTED_CONFIDENCE_KEY]) for item in ranking if item.get(INTENT_NAME_KEY) == CRISIS_INTENT),
            0.0,
        )
        folded = normalize(text)
        # Romaji ("shinitai") is read as kana too, to meet the hiragana phrases.
        readings = (folded, romaji_to_hiragana(folded))
        phrase_hit = any(pattern.search(view) for pattern in self._patterns for view in readings if view)
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if current == CRISIS_INTENT or not (phrase_hit or confidence >= self._threshold):
            return
        logger.debug("Crisis guard overrides '%s' (crisis %.2f, phrase %s).", current, confidence, phrase_hit)
        message.set(
            INTENT,
            {INTENT_NAME_KEY: CRISIS_INTENT, PREDICTED_CONFIDENCE_KEY: max(confidence, 1.0 if phrase_hit else 0.0)},
            add_to_output=True,
        )
