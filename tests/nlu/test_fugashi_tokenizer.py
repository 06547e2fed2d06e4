"""SobaFugashiTokenizer: text -> tokens -> offsets, lemmas, readings; persist/load."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import List, Tuple

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.fugashi_tokenizer import DICTIONARY_FILE, SobaFugashiTokenizer, clean_lemma

UNPAID_OVERTIME = "残業代が払われていません。"


def make_tokenizer(tmp_path: Path) -> SobaFugashiTokenizer:
    storage = LocalModelStorage(tmp_path)
    return SobaFugashiTokenizer.create(
        SobaFugashiTokenizer.get_default_config(),
        storage,
        Resource("tokenizer"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def spans(tokenizer: SobaFugashiTokenizer, text: str) -> List[Tuple[str, int, int]]:
    return [(t.text, t.start, t.end) for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


def lemmas(tokenizer: SobaFugashiTokenizer, text: str) -> List[str]:
    return [t.lemma for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


@pytest.mark.parametrize(
    "text",
    [
        UNPAID_OVERTIME,
        "店長に  クビって言われた😭 どうしよう",
        "有給 とれない",
        "ｻﾞﾝｷﾞｮｳ代 ３０時間 overtime!!",
        "ざんぎょうだいでない",
    ],
)
def test_offsets_point_at_the_token_in_the_original_text(tmp_path: Path, text: str) -> None:
    tokenizer = make_tokenizer(tmp_path)

    tokens = spans(tokenizer, text)

    assert tokens
    for surface, start, end in tokens:
        assert text[start:end] == surface
    starts = [start for _, start, _ in tokens]
    assert starts == sorted(starts)


def test_japanese_is_split_into_words(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(tmp_path)

    assert [text for text, _, _ in spans(tokenizer, UNPAID_OVERTIME)] == [
        "残業", "代", "が", "払わ", "れ", "て", "い", "ませ", "ん",
    ]  # fmt: skip


def test_inflected_forms_share_the_lemma(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(tmp_path)

    fired = lemmas(tokenizer, "解雇された")
    to_fire = lemmas(tokenizer, "解雇する")

    assert fired[:2] == to_fire[:2] == ["解雇", "為る"]


def test_hiragana_and_kanji_spellings_share_the_lemma(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(tmp_path)

    assert lemmas(tokenizer, "わかる") == lemmas(tokenizer, "分かる") == ["分かる"]


def test_readings_are_kept_for_furigana(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(tmp_path)

    [token, *_] = tokenizer.tokenize(Message(data={"text": "解雇"}), "text")

    assert token.get("reading") == "カイコ"


@pytest.mark.parametrize(
    ("lemma", "surface", "expected"),
    [
        (None, "ｻﾞﾝｷﾞｮｳ", "ザンギョウ"),
        ("*", "ABC", "abc"),
        ("ビザ-visa", "ビザ", "ビザ"),
        ("３６", "３６", "36"),
        ("居る", "いる", "居る"),
    ],
)
def test_clean_lemma(lemma: str | None, surface: str, expected: str) -> None:
    assert clean_lemma(lemma, surface) == expected


def test_english_gets_words_not_one_giant_token(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(tmp_path)

    assert spans(tokenizer, "My boss won't pay overtime!") == [
        ("My", 0, 2), ("boss", 3, 7), ("won't", 8, 13), ("pay", 14, 17), ("overtime", 18, 26),
    ]  # fmt: skip


def test_stock_whitespace_tokenizer_refuses_japanese_and_mangles_it() -> None:
    """Why Soba has its own tokenizer (measured on Rasa 3.6.21)."""
    from rasa.engine.exceptions import GraphSchemaValidationException
    from rasa.engine.graph import SchemaNode
    from rasa.engine.validation import _validate_supported_languages

    node = SchemaNode(needs={}, uses=WhitespaceTokenizer, constructor_name="create", fn="process", config={})
    with pytest.raises(GraphSchemaValidationException, match="does not support the currently specified language 'ja'"):
        _validate_supported_languages("ja", node)

    # With another language set, its emoji filter (U+24C2-U+1F251) also
    # covers kanji and kana, so the sentence collapses into one token.
    whitespace = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    stock = [t.text for t in whitespace.tokenize(Message(data={"text": UNPAID_OVERTIME}), "text")]
    assert len(stock) <= 1


def test_persist_and_load_round_trip(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(tmp_path)
    before = spans(tokenizer, UNPAID_OVERTIME)

    resource = tokenizer.train(TrainingData([Message(data={"text": UNPAID_OVERTIME})]))
    loaded = SobaFugashiTokenizer.load(
        SobaFugashiTokenizer.get_default_config(),
        LocalModelStorage(tmp_path),
        resource,
        ExecutionContext(GraphSchema({}), "test"),
    )

    assert spans(loaded, UNPAID_OVERTIME) == before
    with LocalModelStorage(tmp_path).read_from(resource) as directory:
        recorded = json.loads((directory / DICTIONARY_FILE).read_text())
    assert recorded["package"] == "unidic-lite" and recorded["version"]


def test_loading_a_model_trained_with_another_dictionary_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tokenizer")
    with storage.write_to(resource) as directory:
        (directory / DICTIONARY_FILE).write_text(json.dumps({"package": "unidic-lite", "version": "0.0.1"}))

    with caplog.at_level(logging.WARNING):
        SobaFugashiTokenizer.load(
            SobaFugashiTokenizer.get_default_config(), storage, resource, ExecutionContext(GraphSchema({}), "test")
        )

    assert "retrain" in caplog.text
