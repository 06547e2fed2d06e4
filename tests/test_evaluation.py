"""Reading labels from Rasa parse results, and the metrics built on them."""

from bot.evaluation import Example, Prediction, macro_f1, percentile, prediction_from_parse, score


def faq_parse(selector_key: str, topic: str, confidence: float) -> dict:
    return {
        "intent": {"name": "faq", "confidence": 0.9},
        "intent_ranking": [{"name": "faq", "confidence": 0.9}],
        "response_selector": {
            selector_key: {"response": {"intent_response_key": f"faq/{topic}", "confidence": confidence}}
        },
    }


def test_faq_topic_is_read_from_the_response_selector() -> None:
    assert prediction_from_parse(faq_parse("faq", "paid_leave", 0.8), 0.5) == Prediction("faq/paid_leave", 0.8, True)


def test_stock_pipeline_selector_under_default_is_read_too() -> None:
    assert prediction_from_parse(faq_parse("default", "paid_leave", 0.3), 0.5) == Prediction(
        "faq/paid_leave", 0.3, False
    )


def test_fallback_keeps_the_classifier_label_but_is_not_answered() -> None:
    parse = {
        "intent": {"name": "nlu_fallback", "confidence": 0.4},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}],
    }

    assert prediction_from_parse(parse, 0.5) == Prediction("greet", 0.3, False)


def test_scores_per_language() -> None:
    examples = [Example("a", "greet", "en"), Example("b", "thank", "en"), Example("c", "greet", "ja")]
    predictions = [Prediction("greet", 0.9, True), Prediction("greet", 0.9, True), Prediction("thank", 0.2, False)]

    report = score(examples, predictions, [0.01, 0.02, 0.03])

    assert report.languages["en"].accuracy == 0.5
    assert report.languages["en"].wrong_answer_rate == 0.5
    assert report.languages["ja"].wrong_answer_rate == 0.0
    assert percentile(report.latencies, 0.5) == 0.02


def test_macro_f1() -> None:
    assert macro_f1(["a", "a", "b"], ["a", "b", "b"]) == (2 / 3 + 2 / 3) / 2
