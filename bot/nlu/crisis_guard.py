"""Make `crisis` win over every other prediction, including nlu_fallback.

A person in danger must never get a FAQ answer or a "not sure" reply. The
guard runs last in the pipeline and sets the intent to `crisis` when the
classifier gives crisis at least `threshold` (lower than the fallback
threshold on purpose), or when the text contains one of the configured
phrases, which catches what a statistical model may miss.

Text with no letter or digit in it ("...", "…", "😭", Soba's own truncation
mark) is never crisis: it says nothing, and a false alarm sends crisis
numbers to someone who did not ask and an urgent ticket to a counselor
(security review M4).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import paths
from bot.core.contract import CRISIS_INTENT
from bot.text.romaji import romaji_to_hiragana
from bot.text.views import character_view
from bot.yaml_files import read_mapping

logger = logging.getLogger(__name__)


def normalize(text: str) -> str:
    """The character view of the classifier (NFKC, lower case, hiragana, no spaces inside Japanese).

    So シニタイ, ＳＵＩＣＩＤＥ and a learner's 「しに　たい」 all meet their phrase.
    """
    return character_view(text)


def content_free(text: str) -> bool:
    """True if `text` has no letter and no digit (dots, emoji, punctuation, spaces)."""
    return not any(unicodedata.category(char)[0] in "LN" for char in character_view(text))


class PhraseMatcher:
    """The crisis phrases, matched after NFKC, case folding and katakana→hiragana, romaji read as kana."""

    def __init__(self, phrases: Iterable[str]) -> None:
        # Latin-script phrases match whole words only ("rape" is not "grapes");
        # one alternation per kind, as every message is checked against every
        # language's phrases.
        folded = sorted({normalize(phrase) for phrase in phrases if normalize(phrase)}, key=len, reverse=True)
        words = [re.escape(phrase) for phrase in folded if phrase.isascii()]
        anywhere = [re.escape(phrase) for phrase in folded if not phrase.isascii()]
        self._patterns = tuple(
            re.compile(pattern)
            for pattern in (rf"\b(?:{'|'.join(words)})\b" if words else "", "|".join(anywhere))
            if pattern
        )

    @classmethod
    def from_config(cls, config_file: Path, texts_dir: Path = paths.TEXTS_DIR) -> PhraseMatcher:
        """The phrases configured for the crisis guard in the NLU pipeline (config.yml), with the registry's."""
        pipeline: Sequence[Any] = read_mapping(config_file, ValueError).get("pipeline") or []
        for component in pipeline:
            if isinstance(component, dict) and str(component.get("name", "")).endswith(CrisisGuard.__name__):
                return cls(configured_phrases(component, texts_dir))
        return cls([])

    def matches(self, text: str) -> bool:
        """Whether a crisis phrase occurs in `text`."""
        folded = normalize(text)
        views = (folded, romaji_to_hiragana(folded))
        return any(pattern.search(view) for pattern in self._patterns for view in views if view)


def registry_phrases(texts_dir: Path = paths.TEXTS_DIR) -> List[str]:
    """Every language's crisis phrases (texts/<code>.yml `crisis_phrases`)."""
    phrases: List[str] = []
    for path in sorted(texts_dir.glob("*.yml")):
        listed = read_mapping(path, ValueError).get("crisis_phrases") or []
        if not isinstance(listed, list) or not all(isinstance(item, str) and item.strip() for item in listed):
            raise ValueError(f"{path.name}: crisis_phrases must be a list of non-empty texts")
        phrases += listed
    return phrases


def configured_phrases(config: Mapping[str, Any], texts_dir: Path = paths.TEXTS_DIR) -> List[str]:
    """A guard's own `phrases`, and the registry's when `phrases_from_texts` is set."""
    return [*(config.get("phrases") or []), *(registry_phrases(texts_dir) if config.get("phrases_from_texts") else [])]


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
            # Also every language's phrases from texts/<code>.yml `crisis_phrases`.
            "phrases_from_texts": False,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        """Store the threshold and normalised phrases."""
        self._threshold = float(config["threshold"])
        self._phrases = PhraseMatcher(configured_phrases(config))

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
        if content_free(text):
            self._never_crisis(message, ranking)
            return
        confidence = next(
            (float(item[PREDICTED_CONFIDENCE_KEY]) for item in ranking if item.get(INTENT_NAME_KEY) == CRISIS_INTENT),
            0.0,
        )
        # Romaji ("shinitai") is read as kana too, to meet the hiragana phrases.
        phrase_hit = self._phrases.matches(text)
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if current == CRISIS_INTENT or not (phrase_hit or confidence >= self._threshold):
            return
        logger.debug("Crisis guard overrides '%s' (crisis %.2f, phrase %s).", current, confidence, phrase_hit)
        message.set(
            INTENT,
            {INTENT_NAME_KEY: CRISIS_INTENT, PREDICTED_CONFIDENCE_KEY: max(confidence, 1.0 if phrase_hit else 0.0)},
            add_to_output=True,
        )

    @staticmethod
    def _never_crisis(message: Message, ranking: List[Dict[str, Any]]) -> None:
        """Content-free text says nothing: if the classifier read crisis, take its next guess."""
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != CRISIS_INTENT:
            return
        others = [item for item in ranking if item.get(INTENT_NAME_KEY) != CRISIS_INTENT]
        if others:
            message.set(INTENT, dict(others[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, others, add_to_output=True)
