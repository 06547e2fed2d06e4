"""Settings, languages and texts: one place for each fact, checked at load."""

from pathlib import Path

import pytest

from bot import paths
from bot.languages import chosen_language, detect_language
from bot.settings import SettingsError, load_settings
from bot.texts import Texts, TextsError, load_texts


def test_settings_load_with_env_overrides(tmp_path: Path) -> None:
    settings = load_settings(
        env={"SOBA_DATABASE_URL": "sqlite:///var/x.db", "SOBA_RASA_PORT": "6000", "SOBA_MAX_MESSAGE_CHARS": "500"},
        root=tmp_path,
    )

    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'x.db'}"
    assert settings.rasa_port == 6000
    assert settings.max_message_chars == 500
    assert settings.language_codes[:2] == ("ja", "en")


def test_every_language_gets_thresholds_and_a_language_inherits_the_default(tmp_path: Path) -> None:
    text = paths.SETTINGS_FILE.read_text(encoding="utf-8")
    start = text.index("decision:")
    end = text.index("closest_topics:")
    custom = tmp_path / "settings.yml"
    block = "decision:\n  default: {answer: 0.7, clarify: 0.4, intent: 0.5}\n  en: {answer: 0.8}\n"
    custom.write_text(text[:start] + block + text[end:], encoding="utf-8")

    settings = load_settings(path=custom, env={})

    assert settings.thresholds_for("ja").answer == 0.7
    assert (settings.thresholds_for("en").answer, settings.thresholds_for("en").clarify) == (0.8, 0.4)
    assert settings.thresholds_for("en").choices == settings.closest_topics


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("decision:\n  default: {answer: 7, clarify: 0.4, intent: 0.5}\n", "within 0..1"),
        ("decision:\n  default: {answer: 0.7}\n", "needs answer, clarify and intent"),
        ("decision:\n  default: {answer: 0.7, clarify: 0.4, intent: 0.5}\n  xx: {answer: 0.5}\n", "unsupported"),
    ],
)
def test_bad_thresholds_are_a_clear_error(tmp_path: Path, block: str, message: str) -> None:
    text = paths.SETTINGS_FILE.read_text(encoding="utf-8")
    custom = tmp_path / "settings.yml"
    custom.write_text(text[: text.index("decision:")] + block + text[text.index("closest_topics:") :], encoding="utf-8")

    with pytest.raises(SettingsError, match=message):
        load_settings(path=custom, env={})


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
    languages = load_settings().menu_languages

    assert chosen_language("英語でお願いします", languages) == "en"
    assert chosen_language("やさしい日本語でお願いします", languages) == "ja-easy"
    assert chosen_language("日本語でお願いします", languages) == "ja"
    assert chosen_language('/choose_language{"language":"ja-easy"}', languages) == "ja-easy"
    assert chosen_language("Japanese please", languages) == "ja"
    assert chosen_language("ベトナム語で", languages) == "vi"
    assert chosen_language("tiếng việt", languages) == "vi"
    assert chosen_language("クリンゴン語で", languages) is None


def test_every_language_has_every_text() -> None:
    settings = load_settings()
    texts = Texts(load_texts(paths.TEXTS_DIR, settings.answer_languages), settings)

    for language in settings.answer_languages:
        crisis = texts.get(language, "crisis")
        assert settings.contacts["yorisoi"] in crisis and settings.contacts["inochi"] in crisis


def test_texts_with_different_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ja.yml").write_text("greet: こんにちは\nthank: どうも\n", encoding="utf-8")
    (tmp_path / "en.yml").write_text("greet: hello\n", encoding="utf-8")

    with pytest.raises(TextsError, match="thank"):
        load_texts(tmp_path, ("ja", "en"))
