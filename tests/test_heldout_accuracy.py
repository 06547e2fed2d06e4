"""Held-out evaluation of the trained model: what the person gets, per language.

The targets are the understanding issue's: on the persona-written hard set,
Japanese and English top-1 ≥ 90%, resolved ≥ 95%, answered wrongly ≤ 1%,
やさしい日本語 top-1 ≥ 85%, and every crisis message caught. やさしい日本語
measured 83.8% on 2026-11-29 (docs/benchmarks.md): its floor here guards
that level until more data reaches the target.
"""

from collections import Counter
from pathlib import Path

import pytest

from bot import paths
from bot.evaluation import Report, evaluate_model, format_report, load_examples, load_hard_examples
from bot.settings import load_settings
from bot.topics import faq_topic_ids

OLD_SET_JAPANESE_MINIMUM = 0.85
HARD_TOP1_MINIMUM = {"ja": 0.90, "en": 0.90, "ja-easy": 0.85}
HARD_RESOLVED_MINIMUM = 0.95
WRONG_MAXIMUM = 0.01
# Persona-written messages per topic and language, at least.
HARD_PER_TOPIC = {"ja": 10, "en": 5, "ja-easy": 5}


@pytest.fixture(scope="module")
def reports(trained_model: Path) -> dict[str, Report]:
    settings = load_settings()
    thresholds = {code: settings.thresholds_for(code) for code in settings.language_codes}
    return {
        "heldout/nlu": evaluate_model(trained_model, load_examples(), thresholds),
        "heldout/hard": evaluate_model(trained_model, load_hard_examples(), thresholds),
    }


def test_print_the_evaluation(reports: dict[str, Report], capsys: pytest.CaptureFixture) -> None:
    with capsys.disabled():
        for name, report in reports.items():
            print(format_report(report, title=f"\nHeld-out set {name} (never trained on):"))


def test_old_heldout_set_japanese_top1(reports: dict[str, Report]) -> None:
    group = reports["heldout/nlu"].groups["ja"]

    assert group.share(group.top1) >= OLD_SET_JAPANESE_MINIMUM, format_report(reports["heldout/nlu"])


@pytest.mark.parametrize("language", sorted(HARD_TOP1_MINIMUM))
def test_hard_set_top1(reports: dict[str, Report], language: str) -> None:
    group = reports["heldout/hard"].groups[language]

    assert group.share(group.top1) >= HARD_TOP1_MINIMUM[language], format_report(reports["heldout/hard"])


@pytest.mark.parametrize("language", ["ja", "en"])
def test_hard_set_resolved_with_few_wrong_answers(reports: dict[str, Report], language: str) -> None:
    group = reports["heldout/hard"].groups[language]

    assert group.share(group.resolved) >= HARD_RESOLVED_MINIMUM, format_report(reports["heldout/hard"])
    assert group.share(group.answered_wrong) <= WRONG_MAXIMUM, format_report(reports["heldout/hard"])


def test_every_crisis_message_is_caught(reports: dict[str, Report]) -> None:
    for name, report in reports.items():
        assert report.crisis.recall == 1.0, f"{name} missed: {report.crisis.missed}"


def test_heldout_sets_are_never_trained_on() -> None:
    training = {example.text.strip() for example in load_examples(paths.NLU_DIR)}
    heldout = {example.text.strip() for example in load_examples() + load_hard_examples()}

    assert not training & heldout


def test_hard_set_covers_every_topic_in_every_style() -> None:
    counts = Counter(
        (next(iter(example.labels)), example.language)
        for example in load_hard_examples()
        if len(example.labels) == 1 and not example.crisis_label
    )

    for topic in faq_topic_ids():
        for language, minimum in HARD_PER_TOPIC.items():
            assert counts[(f"faq/{topic}", language)] >= minimum, (topic, language)


def test_crisis_set_is_large_enough() -> None:
    crisis = Counter(e.language for e in load_hard_examples() if e.crisis_label == "crisis")

    assert crisis["ja"] >= 40 and crisis["en"] >= 20
