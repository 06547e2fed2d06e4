"""SobaLinearClassifier: features, calibrated ranking, Rasa's parse shape, persist/load."""

from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.decision import TopicPrediction
from bot.nlu.fugashi_tokenizer import SobaFugashiTokenizer
from bot.nlu.linear_classifier import SobaLinearClassifier, blend_with_search, parse_fields
from bot.text.romaji import romaji_to_hiragana
from bot.text.views import reading_view, to_hiragana

TRAINING = {
    ("faq", "faq/unfair_dismissal"): [
        "突然解雇された",
        "解雇は不当だと思う",
        "会社にクビにされた",
        "I was fired unfairly",
    ],
    ("faq", "faq/paid_leave"): [
        "有給休暇を取らせてくれない",
        "有給が使えない",
        "年休を断られた",
        "my boss refuses paid leave",
    ],
    ("greet", None): ["こんにちは", "おはようございます", "hello", "hi there"],
}


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def tokenized(texts: List[str], tmp_path: Path) -> List[Message]:
    tokenizer = SobaFugashiTokenizer.create(
        SobaFugashiTokenizer.get_default_config(), LocalModelStorage(tmp_path), Resource("tok"), context()
    )
    messages = [Message(data={"text": text}) for text in texts]
    tokenizer.process(messages)
    return messages


def training_data(tmp_path: Path) -> TrainingData:
    messages = []
    for (intent, key), texts in TRAINING.items():
        for message in tokenized(texts, tmp_path):
            message.set("intent", intent)
            if key:
                message.set("intent_response_key", key)
            messages.append(message)
    return TrainingData(messages)


@pytest.fixture
def trained(tmp_path: Path) -> tuple[SobaLinearClassifier, Resource]:
    config = {**SobaLinearClassifier.get_default_config(), "calibration_folds": 2}
    classifier = SobaLinearClassifier.create(config, LocalModelStorage(tmp_path), Resource("clf"), context())
    return classifier, classifier.train(training_data(tmp_path))


def test_a_question_gets_rasas_parse_shape_with_the_topic_ranked(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    classifier, _ = trained
    [message] = classifier.process(tokenized(["いきなり解雇されました"], tmp_path))

    assert message.get("intent")["name"] == "faq"
    selector = message.get("response_selector")["faq"]
    assert selector["response"]["intent_response_key"] == "faq/unfair_dismissal"
    confidences = [item["confidence"] for item in selector["ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    total = sum(item["confidence"] for item in message.get("intent_ranking"))
    assert abs(total - 1.0) < 1e-6


def test_readings_let_an_all_hiragana_spelling_meet_the_kanji_one(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    classifier, _ = trained
    [message] = classifier.process(tokenized(["ゆうきゅう　つかえない"], tmp_path))

    assert TopicPrediction.from_parse(message.as_dict()).top_topic == "paid_leave"


def test_persist_and_load_round_trip(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    classifier, resource = trained
    before = classifier.process(tokenized(["有給を断られた"], tmp_path))[0].get("response_selector")

    loaded = SobaLinearClassifier.load(
        SobaLinearClassifier.get_default_config(), LocalModelStorage(tmp_path), resource, context()
    )
    after = loaded.process(tokenized(["有給を断られた"], tmp_path))[0].get("response_selector")

    assert after == before


def test_a_non_faq_intent_outweighing_the_topics_is_the_intent() -> None:
    fields = parse_fields(["faq/a", "faq/b", "greet"], [0.2, 0.1, 0.7], ranking_length=10)

    assert fields["intent"] == {"name": "greet", "confidence": 0.7}
    assert fields["response_selector"]["faq"]["ranking"][0] == {"confidence": 0.2, "intent_response_key": "faq/a"}


def test_topics_together_make_the_faq_intent() -> None:
    fields = parse_fields(["faq/a", "faq/b", "greet"], [0.3, 0.3, 0.4], ranking_length=10)

    assert fields["intent"]["name"] == "faq" and abs(fields["intent"]["confidence"] - 0.6) < 1e-9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zangyou dai", "ざんぎょうだい"),
        ("Kaisha yamete", "かいしゃやめて"),
        ("yuukyuu kyuuka", "ゆうきゅうきゅうか"),
        ("my boss didn't pay overtime", ""),
    ],
)
def test_romaji_is_read_as_kana_and_english_is_not(text: str, expected: str) -> None:
    assert romaji_to_hiragana(text) == expected


def test_reading_view_uses_token_readings_then_romaji() -> None:
    assert reading_view(["カイコ", "サレ", "タ"], "解雇された") == "かいこされた"
    assert reading_view([], "kaiko sareta") == "かいこされた"
    assert to_hiragana("カイコ") == "かいこ"


def test_search_leaves_a_model_without_faq_topics_as_it_is() -> None:
    # A benchmark's own intents (MASSIVE): the search finds FAQ topics the model does not know.
    labels = ["alarm_set", "weather_query"]
    probabilities = np.array([0.7, 0.3])

    blended = blend_with_search(labels, probabilities, "残業代が払われません", 0.3, 1.0, frozenset({"ja"}), "ja")

    assert blended.tolist() == probabilities.tolist()
