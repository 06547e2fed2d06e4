"""The production decision rule, and the metrics of what the person gets."""

from collections import defaultdict

from bot.decision import Outcome, Thresholds, TopicPrediction
from bot.evaluation import Example, choose_thresholds, expected_calibration_error, percentile, score

THRESHOLDS = Thresholds(answer=0.6, clarify=0.5, intent=0.5, choices=3)


def faq_parse(selector_key: str, ranking: list[tuple[str, float]], intent_confidence: float = 0.9) -> dict:
    return {
        "intent": {"name": "faq", "confidence": intent_confidence},
        "intent_ranking": [{"name": "faq", "confidence": intent_confidence}],
        "response_selector": {
            selector_key: {
                "response": {"intent_response_key": f"faq/{ranking[0][0]}", "confidence": ranking[0][1]},
                "ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking],
            }
        },
    }


def test_topics_are_read_from_our_selector_and_the_stock_one() -> None:
    ours = TopicPrediction.from_parse(faq_parse("faq", [("paid_leave", 0.8), ("overtime_pay", 0.1)]))
    stock = TopicPrediction.from_parse(faq_parse("default", [("paid_leave", 0.3)]))

    assert ours.topics == (("paid_leave", 0.8), ("overtime_pay", 0.1))
    assert stock.top_topic == "paid_leave"


def test_confident_topic_is_answered() -> None:
    decision = TopicPrediction.from_parse(faq_parse("faq", [("paid_leave", 0.8)])).decide(THRESHOLDS)

    assert (decision.outcome, decision.topics) == (Outcome.ANSWER, ("paid_leave",))


def test_torn_between_close_topics_asks_which() -> None:
    ranking = [("dismissal_notice", 0.35), ("unfair_dismissal", 0.3), ("restructuring_layoff", 0.1), ("x", 0.05)]

    decision = TopicPrediction.from_parse(faq_parse("faq", ranking)).decide(THRESHOLDS)

    assert decision.outcome is Outcome.CLARIFY
    assert decision.topics == ("dismissal_notice", "unfair_dismissal", "restructuring_layoff")


def test_not_sure_at_all_asks_to_rephrase() -> None:
    ranking = [("paid_leave", 0.2), ("overtime_pay", 0.1), ("work_rules", 0.1)]

    assert TopicPrediction.from_parse(faq_parse("faq", ranking)).decide(THRESHOLDS).outcome is Outcome.REPHRASE


def test_crisis_wins_and_a_confident_intent_is_acted_on() -> None:
    crisis = {"intent": {"name": "crisis", "confidence": 0.31}}
    greet = {"intent": {"name": "greet", "confidence": 0.9}}
    unsure_greet = {"intent": {"name": "greet", "confidence": 0.3}}

    assert TopicPrediction.from_parse(crisis).decide(THRESHOLDS).outcome is Outcome.CRISIS
    assert TopicPrediction.from_parse(greet).decide(THRESHOLDS).intent == "greet"
    assert TopicPrediction.from_parse(unsure_greet).decide(THRESHOLDS).outcome is Outcome.REPHRASE


def test_scores_count_what_the_person_gets_and_two_topics_both_count() -> None:
    examples = [
        Example("a", frozenset({"faq/paid_leave"}), "ja"),
        Example("b", frozenset({"faq/overtime_pay", "faq/resignation"}), "ja"),
        Example("c", frozenset({"faq/overtime_pay"}), "ja"),
        Example("d", frozenset({"faq/unfair_dismissal"}), "ja"),
        Example("e", frozenset({"crisis"}), "ja", crisis_label="crisis"),
    ]
    predictions = [
        TopicPrediction.from_parse(faq_parse("faq", [("paid_leave", 0.9)])),
        TopicPrediction.from_parse(faq_parse("faq", [("resignation", 0.7)])),
        TopicPrediction.from_parse(faq_parse("faq", [("unpaid_wages", 0.3), ("overtime_pay", 0.3)])),
        TopicPrediction.from_parse(faq_parse("faq", [("dismissal_notice", 0.7)])),
        TopicPrediction.from_parse(faq_parse("faq", [("overwork_mental_health", 0.9)])),
    ]

    report = score(examples, predictions, defaultdict(lambda: THRESHOLDS), [0.01, 0.02, 0.03])

    group = report.groups["ja"]
    assert (group.total, group.answered_right, group.clarified_right, group.answered_wrong) == (4, 2, 1, 1)
    assert group.top3 == 3
    assert report.crisis.recall == 0.0 and report.crisis.missed == ["e"]
    assert percentile(report.latencies, 0.5) == 0.02


def test_thresholds_are_chosen_to_keep_wrong_answers_at_one_percent() -> None:
    right = [(Example(f"r{i}", frozenset({"faq/a"}), "ja"), 0.9) for i in range(50)]
    wrong = [(Example(f"w{i}", frozenset({"faq/b"}), "ja"), 0.55) for i in range(10)]
    examples = [e for e, _ in right + wrong]
    predictions = [TopicPrediction.from_parse(faq_parse("faq", [("a", c), ("b", 0.4)])) for _, c in right + wrong]

    chosen = choose_thresholds(examples, predictions, THRESHOLDS)

    assert 0.55 < chosen.answer <= 0.9
    report = score(examples, predictions, defaultdict(lambda: chosen))
    assert report.groups["ja"].answered_wrong == 0
    assert report.groups["ja"].resolved == 60


def test_expected_calibration_error() -> None:
    assert expected_calibration_error([(0.95, True)] * 19 + [(0.95, False)]) < 1e-9
    assert abs(expected_calibration_error([(0.9, False), (0.9, False)]) - 0.9) < 1e-9
