"""Soba's intent and FAQ-topic classifier: a calibrated linear SVM.

Measured against DIET + ResponseSelector (docs/benchmarks.md), a linear model
over sparse features generalises better to how workers really write and
trains in seconds instead of minutes. One model ranks every label at once: the
FAQ topics (`faq/<id>`) and the other intents (greet, crisis, ...), so a topic
and an intent compete on one probability scale.

The parse output keeps Rasa's shape (DESIGN.md): `intent` is `faq` when the
topics together outweigh every other intent, and the topic ranking is under
`response_selector.faq` exactly where a ResponseSelector puts it.

Confidences are calibrated: a temperature fitted on out-of-fold predictions
of the training data (a softmax over the SVM's decision values), so that
0.8 means right about 8 times in 10.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, FrozenSet, List, Sequence, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_detector import LANGUAGE_KEY
from bot.text.views import views
from bot.topics import FAQ_INTENT, TOPIC_SEPARATOR

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_classifier.joblib"
RESPONSE_SELECTOR_KEY = "response_selector"


class TopicModel:
    """Vectorisers, a linear SVM and its temperature; pure scikit-learn, no Rasa.

    Kept apart from the Rasa component so the benchmark and tests can train
    and query it directly on (text, lemmas, readings) triples.
    """

    def __init__(self, c: float = 1.0, max_char_ngram: int = 4, calibration_folds: int = 3) -> None:
        self.c = c
        self.max_char_ngram = max_char_ngram
        self.calibration_folds = calibration_folds
        self.temperature = 1.0
        self.labels: List[str] = []
        self._vectorizers: List[Any] = []
        self._model: Any = None

    def _new_vectorizers(self) -> List[Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return [
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, self.max_char_ngram), sublinear_tf=True, min_df=1),
            TfidfVectorizer(
                analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, lowercase=False
            ),
            TfidfVectorizer(analyzer="char", ngram_range=(2, self.max_char_ngram), sublinear_tf=True, min_df=1),
        ]

    def _matrix(self, rows: Sequence[Tuple[str, str, str]], fit: bool) -> Any:
        from scipy.sparse import hstack

        columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
        parts = []
        for vectorizer, column in zip(self._vectorizers, columns, strict=True):
            column = [value or " " for value in column]
            parts.append(vectorizer.fit_transform(column) if fit else vectorizer.transform(column))
        return hstack(parts).tocsr()

    def _fit_once(self, rows: Sequence[Tuple[str, str, str]], labels: Sequence[str]) -> None:
        from sklearn.svm import LinearSVC

        self._vectorizers = self._new_vectorizers()
        matrix = self._matrix(rows, fit=True)
        self._model = LinearSVC(C=self.c, class_weight="balanced")
        self._model.fit(matrix, list(labels))
        self.labels = [str(label) for label in self._model.classes_]

    def fit(self, rows: Sequence[Tuple[str, str, str]], labels: Sequence[str]) -> None:
        """Fit the temperature on out-of-fold logits, then the model on everything."""
        self.temperature = self._fitted_temperature(rows, labels)
        self._fit_once(rows, labels)

    def _fitted_temperature(self, rows: Sequence[Tuple[str, str, str]], labels: Sequence[str]) -> float:
        from scipy.optimize import minimize_scalar
        from sklearn.model_selection import StratifiedKFold

        counts = np.unique(np.asarray(labels), return_counts=True)[1]
        folds = min(self.calibration_folds, int(counts.min()))
        if folds < 2:
            return 1.0
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
        splits = list(splitter.split(np.zeros(len(labels)), labels))
        # The folds are independent fits: on two cores, two at a time (liblinear
        # holds the GIL, so processes, not threads). The same numbers either way.
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=min(len(splits), os.cpu_count() or 1), backend="loky")(
            delayed(_fold_logits)(self.c, self.max_char_ngram, rows, labels, train_index, test_index)
            for train_index, test_index in splits
        )
        logits = [fold_logits for fold_logits, _ in results]
        gold = [index for _, fold_gold in results for index in fold_gold]
        all_logits, all_gold = np.vstack(logits), np.asarray(gold)

        def negative_log_likelihood(temperature: float) -> float:
            scaled = all_logits / temperature
            scaled -= scaled.max(axis=1, keepdims=True)
            log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
            return float(-log_probabilities[np.arange(len(all_gold)), all_gold].mean())

        result = minimize_scalar(negative_log_likelihood, bounds=(0.05, 20.0), method="bounded")
        logger.debug("Calibration temperature %.3f over %d folds.", result.x, folds)
        return float(result.x)

    def logits(self, rows: Sequence[Tuple[str, str, str]]) -> Any:
        """Uncalibrated decision values, one column per label."""
        return self._model.decision_function(self._matrix(rows, fit=False))

    def probabilities(self, rows: Sequence[Tuple[str, str, str]]) -> Any:
        """Calibrated probabilities, one column per label in `self.labels`."""
        scaled = self.logits(rows) / self.temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        exponentials = np.exp(scaled)
        return exponentials / exponentials.sum(axis=1, keepdims=True)


def _fold_logits(
    c: float,
    max_char_ngram: int,
    rows: Sequence[Tuple[str, str, str]],
    labels: Sequence[str],
    train_index: Sequence[int],
    test_index: Sequence[int],
) -> Tuple[Any, List[int]]:
    """One calibration fold: the held-out part's logits and gold label indices (columns as the fold's classes)."""
    fold = TopicModel(c, max_char_ngram, calibration_folds=0)
    fold._fit_once([rows[i] for i in train_index], [labels[i] for i in train_index])
    # Every class is in every fold (stratified, and folds <= the rarest class's count).
    return fold.logits([rows[i] for i in test_index]), [fold.labels.index(labels[i]) for i in test_index]


def message_label(message: Message) -> str:
    """`faq/<topic>` for a FAQ example, the intent otherwise."""
    return str(message.get(INTENT_RESPONSE_KEY) or message.get(INTENT))


def message_views(message: Message) -> Tuple[str, str, str]:
    """The three feature views of a tokenised message."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    lemmas = [token.lemma or token.text for token in tokens]
    readings = [token.get("reading") for token in tokens]
    return views(message.get(TEXT) or "", lemmas, readings)


def parse_fields(labels: Sequence[str], probabilities: Sequence[float], ranking_length: int) -> Dict[str, Any]:
    """Rasa's intent, intent ranking and FAQ response selector from label probabilities."""
    topics = sorted(
        (
            (label, float(p))
            for label, p in zip(labels, probabilities, strict=True)
            if label.startswith(FAQ_INTENT + TOPIC_SEPARATOR)
        ),
        key=lambda item: -item[1],
    )
    intents: Dict[str, float] = {}
    for label, p in zip(labels, probabilities, strict=True):
        name = FAQ_INTENT if label.startswith(FAQ_INTENT + TOPIC_SEPARATOR) else label
        intents[name] = intents.get(name, 0.0) + float(p)
    ranking = sorted(intents.items(), key=lambda item: -item[1])
    best_name, best_confidence = ranking[0]
    fields: Dict[str, Any] = {
        INTENT: {INTENT_NAME_KEY: best_name, PREDICTED_CONFIDENCE_KEY: best_confidence},
        INTENT_RANKING_KEY: [
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking
        ][:ranking_length],
    }
    if topics:
        top_key, top_confidence = topics[0]
        fields[RESPONSE_SELECTOR_KEY] = {
            "all_retrieval_intents": [FAQ_INTENT],
            FAQ_INTENT: {
                "response": {
                    "responses": None,
                    "confidence": top_confidence,
                    "intent_response_key": top_key,
                    "utter_action": f"utter_{top_key}",
                },
                "ranking": [
                    {"confidence": confidence, "intent_response_key": key}
                    for key, confidence in topics[:ranking_length]
                ],
            },
        }
    return fields


def blend_with_search(
    labels: Sequence[str],
    probabilities: np.ndarray,
    text: str,
    weight: float,
    temperature: float,
    languages: FrozenSet[str],
    language: str | None,
) -> np.ndarray:
    """Re-rank the FAQ topics' share of `probabilities` partly by keyword search.

    The classifier's probability of "some FAQ topic" and of every other
    intent stays as it is; within the FAQ share, `weight` of it is spread over
    the topics in proportion to the softmax of their search scores. Words the
    classifier has weighed little (a learner's kana for a rare term) can then
    still find their topic, as the search's kana-reading view lets them.
    """
    from bot.knowledge.search import search

    if language not in languages:
        return probabilities
    hits = {f"{FAQ_INTENT}{TOPIC_SEPARATOR}{hit.topic}": hit.score for hit in search(text, language, len(labels))}
    if not hits:
        return probabilities
    is_topic = np.array([label.startswith(FAQ_INTENT + TOPIC_SEPARATOR) for label in labels])
    scores = np.array([hits.get(label, -np.inf) for label in labels])
    scores = np.where(is_topic, scores, -np.inf)
    if not np.isfinite(scores).any():
        return probabilities  # a model without these topics (a benchmark's own intents)
    exponentials = np.exp((scores - scores[np.isfinite(scores)].max()) / temperature)
    by_search = exponentials / exponentials.sum() * probabilities[is_topic].sum()
    return np.where(is_topic, (1 - weight) * probabilities + weight * by_search, probabilities)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SobaLinearClassifier(GraphComponent, IntentClassifier):
    """Ranks intents and FAQ topics with one calibrated linear model."""

    @classmethod
    def required_components(cls) -> List[type]:
        """Lemmas and readings come from the tokenizer."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns default config (see parent class for full docstring)."""
        return {
            # Inverse regularisation strength of the linear SVM (chosen with
            # `make bench`; logistic regression scored lower and trained 60x slower).
            "C": 1.0,
            # Longest character n-gram of the character and reading views.
            "max_char_ngram": 4,
            # Folds of out-of-fold predictions used to fit the temperature;
            # 0 turns calibration off (temperature 1).
            "calibration_folds": 3,
            # How many intents and topics the parse result lists.
            "ranking_length": 10,
            # Share of the FAQ topics' probability re-ranked by the keyword
            # search (bot/knowledge/search.py); 0 turns the blend off.
            "search_weight": 0.0,
            # Softmax temperature that turns search scores into probabilities.
            "search_temperature": 1.0,
            # Languages whose messages get the blend (detected as the bot does).
            "search_languages": [],
        }

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource, model: TopicModel | None = None
    ) -> None:
        """Store the configuration; `model` is set after training or loading."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SobaLinearClassifier:
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
    ) -> SobaLinearClassifier:
        """Loads the trained model from model storage."""
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained linear classifier in resource '%s'; it will predict nothing.", resource.name)
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit on every intent example (FAQ examples under their topic)."""
        import joblib

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [message_label(m) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("The linear classifier needs at least two labels; it will predict nothing.")
            return self._resource
        model = TopicModel(
            c=float(self._config["C"]),
            max_char_ngram=int(self._config["max_char_ngram"]),
            calibration_folds=int(self._config["calibration_folds"]),
        )
        model.fit([message_views(m) for m in examples], labels)
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent, intent ranking and the FAQ topic ranking on each message."""
        if self._model is None:
            return messages
        scored = [m for m in messages if m.get(TEXT)]
        if not scored:
            return messages
        probabilities = self._model.probabilities([message_views(m) for m in scored])
        weight = float(self._config["search_weight"])
        if weight > 0:
            temperature = float(self._config["search_temperature"])
            languages = frozenset(self._config["search_languages"])
            probabilities = np.array(
                [
                    blend_with_search(
                        self._model.labels,
                        row,
                        message.get(TEXT),
                        weight,
                        temperature,
                        languages,
                        # Detected once, earlier in the pipeline (bot/nlu/language_detector.py).
                        message.get(LANGUAGE_KEY),
                    )
                    for message, row in zip(scored, probabilities, strict=True)
                ]
            )
        for message, row in zip(scored, probabilities, strict=True):
            for key, value in parse_fields(self._model.labels, row, int(self._config["ranking_length"])).items():
                message.set(key, value, add_to_output=True)
        return messages
