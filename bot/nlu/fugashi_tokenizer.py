"""A Rasa tokenizer for Japanese built on fugashi (MeCab) + unidic-lite.

Modelled on Rasa's own `JiebaTokenizer`. Each token carries:
- exact character offsets into the original message (MeCab drops spaces, so
  offsets are found by searching the original text, never by adding lengths);
- a cleaned lemma (UniDic's dictionary form), so that 解雇された and 解雇する
  share the feature 解雇 and hiragana spellings (わかる) share the kanji lemma
  (分かる) with their kanji spellings;
- the katakana reading under `token.data["reading"]` (used for furigana).

Text without any Japanese script goes through spaCy's rule-based blank
tokenizer instead, which splits punctuation and contractions sensibly and needs
no downloaded model.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text.japanese_words import clean_lemma, is_punctuation
from bot.text.scripts import has_japanese

logger = logging.getLogger(__name__)

DICTIONARY_FILE = "dictionary.json"


def dictionary_fingerprint() -> Dict[str, str]:
    """Identify the MeCab dictionary in use; tokens change when it does."""
    from importlib.metadata import version

    return {"package": "unidic-lite", "version": version("unidic-lite")}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SobaFugashiTokenizer(Tokenizer):
    """Tokenizes Japanese with fugashi + unidic-lite, other text with spaCy."""

    @staticmethod
    def supported_languages() -> List[str] | None:
        """Supported languages: all (non-Japanese text has its own path)."""
        return None

    @staticmethod
    def required_packages() -> List[str]:
        """Any extra python dependencies required for this component to run."""
        return ["fugashi", "unidic_lite", "spacy"]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns default config (see parent class for full docstring)."""
        return {
            # Flag to check whether to split intents
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split
            "intent_split_symbol": "_",
            # Regular expression to detect tokens
            "token_pattern": None,
            # Symbol on which prefix should be split
            "prefix_separator_symbol": None,
            # spaCy blank language whose rules split text with no Japanese in
            # it; "xx" is spaCy's language-neutral tokenizer.
            "non_japanese_language": "xx",
        }

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        """Initialize the tokenizer; the taggers are built on first use."""
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._tagger: Any = None
        self._spacy_tokenizer: Any = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SobaFugashiTokenizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SobaFugashiTokenizer:
        """Loads the tokenizer and warns if the dictionary changed since training."""
        try:
            with model_storage.read_from(resource) as directory:
                trained_with = json.loads((directory / DICTIONARY_FILE).read_text())
        except (ValueError, FileNotFoundError):
            logger.debug("No dictionary record in resource '%s'.", resource.name)
        else:
            current = dictionary_fingerprint()
            if trained_with != current:
                logger.warning(
                    "Model was trained with %s but %s is installed: Japanese tokens "
                    "may differ from training; retrain the model.",
                    trained_with,
                    current,
                )
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Records the dictionary version in the model so loads can check it."""
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Writes the dictionary fingerprint into model storage."""
        with self._model_storage.write_to(self._resource) as directory:
            (directory / DICTIONARY_FILE).write_text(json.dumps(dictionary_fingerprint()))

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Tokenizes the text of the provided attribute of the incoming message."""
        text = message.get(attribute)
        tokens = self._tokenize_japanese(text) if has_japanese(text) else self._tokenize_other(text)
        return self._apply_token_pattern(tokens)

    def _tokenize_japanese(self, text: str) -> List[Token]:
        if self._tagger is None:
            import fugashi

            self._tagger = fugashi.Tagger()
        tokens: List[Token] = []
        cursor = 0
        for word in self._tagger(text):
            surface = word.surface
            start = text.find(surface, cursor)
            if start < 0:
                # MeCab never rewrites characters, so this means a bug upstream;
                # skipping keeps offsets of all other tokens exact.
                logger.debug("Token %r not found after offset %d.", surface, cursor)
                continue
            cursor = start + len(surface)
            if is_punctuation(surface):
                continue
            feature = word.feature
            tokens.append(
                Token(
                    surface,
                    start,
                    data={"reading": feature.kana, "pos": feature.pos1},
                    lemma=clean_lemma(feature.lemma, surface),
                )
            )
        return tokens

    def _tokenize_other(self, text: str) -> List[Token]:
        if self._spacy_tokenizer is None:
            import spacy

            self._spacy_tokenizer = spacy.blank(self._config["non_japanese_language"]).tokenizer
        return [
            Token(t.text, t.idx, lemma=unicodedata.normalize("NFKC", t.text).lower())
            for t in self._spacy_tokenizer(text)
            if not is_punctuation(t.text)
        ]
