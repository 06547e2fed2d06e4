"""Settings, languages and texts: one place for each fact, checked at load."""

from pathlib import Path

import pytest

from bot import paths
from bot.languages import chosen_language, detect_language
from bot.settings import SettingsError, load_settings
from bot.texts import Texts, TextsError, load_texts


def test_settings_load_with_env_overrides(tmp_path: Path) -> None:
    settings = load_settings(
        env={"SOBA_DATABASE_URL": "sqlite:///var/x.db", "SOBA_RASA_PORT": "6000", "SOBA_FAQ_ANSWER_THRESHOLD": "0.7"},
        root=tmp_path,
    )

    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'x.db'}"
    assert settings.rasa_port == 6000
    assert settings.faq_answer_threshold == 0.7
    assert settings.language_codes[:2] == ("ja", "en")


def test_bad_threshold_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="faq_answer_threshold must be within 0..1"):
        load_settings(env={"SOBA_FAQ_ANSWER_THRESHOLD": "7"})


def test_missing_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read .*nope.yml"):
        load_settings(path=tmp_path / "nope.yml", env={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("残業代が払われません", "ja"),
        ("ざんぎょう", "ja"),
        ("My boss doesn't pay overtime", "en"),
        ("😭😭", None),
        ('/faq{"topic":"paid_leave"}', None),
        ("", None),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text, ("ja", "en")) == expected


def test_chosen_language() -> None:
    languages = load_settings().languages

    assert chosen_language("英語でお願いします", languages) == "en"
    assert chosen_language("Japanese please", languages) == "ja"
    assert chosen_language("ベトナム語で", languages) is None


def test_every_language_has_every_text() -> None:
    settings = load_settings()
    texts = Texts(load_texts(paths.TEXTS_DIR, settings.language_codes), settings)

    for language in settings.language_codes:
        crisis = texts.get(language, "crisis")
        assert settings.contacts["yorisoi"] in crisis and settings.contacts["inochi"] in crisis


def test_texts_with_different_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ja.yml").write_text("greet: こんにちは\nthank: どうも\n", encoding="utf-8")
    (tmp_path / "en.yml").write_text("greet: hello\n", encoding="utf-8")

    with pytest.raises(TextsError, match="thank"):
        load_texts(tmp_path, ("ja", "en"))
