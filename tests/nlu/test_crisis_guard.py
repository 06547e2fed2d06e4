"""CrisisGuard: crisis wins over FAQ answers and over nlu_fallback."""

from typing import Any, Dict, List

from rasa.shared.nlu.training_data.message import Message

from bot.nlu.crisis_guard import CrisisGuard


def message(text: str, intent: str, ranking: List[Dict[str, Any]]) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": ranking[0]["confidence"]},
            "intent_ranking": ranking,
        }
    )


def guard() -> CrisisGuard:
    return CrisisGuard({"threshold": 0.3, "phrases": ["死にたい", "Kill myself"]})


def test_crisis_below_the_fallback_threshold_still_wins() -> None:
    msg = message(
        "もうだめかも",
        "nlu_fallback",
        [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "crisis", "confidence": 0.35}],
    )

    [result] = guard().process([msg])

    assert result.get("intent")["name"] == "crisis"


def test_phrase_wins_over_a_confident_faq() -> None:
    msg = message(
        "残業つらすぎて死にたい", "faq", [{"name": "faq", "confidence": 0.9}, {"name": "crisis", "confidence": 0.05}]
    )

    [result] = guard().process([msg])

    assert result.get("intent") == {"name": "crisis", "confidence": 1.0}


def test_phrases_match_case_and_width_insensitively() -> None:
    msg = message("i want to ＫＩＬＬ ＭＹＳＥＬＦ", "out_of_scope", [{"name": "out_of_scope", "confidence": 0.8}])

    [result] = guard().process([msg])

    assert result.get("intent")["name"] == "crisis"


def test_ordinary_messages_and_button_payloads_are_left_alone() -> None:
    faq = message(
        "有給がとれない", "faq", [{"name": "faq", "confidence": 0.95}, {"name": "crisis", "confidence": 0.01}]
    )
    button = message(
        '/feedback_negative{"topic":"overtime_pay"}',
        "feedback_negative",
        [{"name": "feedback_negative", "confidence": 1.0}],
    )

    guard().process([faq, button])

    assert faq.get("intent")["name"] == "faq"
    assert button.get("intent")["name"] == "feedback_negative"


def test_katakana_and_full_width_spellings_match_and_latin_phrases_match_whole_words() -> None:
    guard_ = CrisisGuard({"threshold": 0.3, "phrases": ["死にたい", "リスカ", "rape"]})
    faq = [{"name": "faq", "confidence": 0.9}, {"name": "crisis", "confidence": 0.01}]

    katakana, grapes, word = guard_.process(
        [
            message("りすかしちゃった", "faq", faq),
            message("I pack grapes all day", "faq", faq),
            message("he RAPED me", "faq", faq),
        ]
    )

    assert katakana.get("intent")["name"] == "crisis"
    assert grapes.get("intent")["name"] == "faq"
    assert word.get("intent")["name"] == "faq"  # "raped" is not the phrase "rape"; list both forms
