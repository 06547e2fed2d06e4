"""Training and held-out data cover every topic and intent in every language."""

from collections import Counter

import pytest

from bot import paths
from bot.evaluation import load_examples
from bot.settings import load_settings
from bot.topics import faq_topic_ids

NON_FAQ_INTENTS = (
    "greet", "goodbye", "thank", "request_human", "choose_language",
    "bot_challenge", "feedback_positive", "feedback_negative", "out_of_scope", "crisis",
)  # fmt: skip
LABELS = [f"faq/{topic}" for topic in faq_topic_ids()] + list(NON_FAQ_INTENTS)
# The minimums: training 30 Japanese + 12 English per label,
# held-out 6 Japanese + 3 English per label.
TRAINING_MINIMUM = {"ja": 30, "en": 12}
HELDOUT_MINIMUM = {"ja": 6, "en": 3}


@pytest.mark.parametrize(
    ("directory", "minimum"),
    [(paths.NLU_DIR, TRAINING_MINIMUM), (paths.HELDOUT_DIR, HELDOUT_MINIMUM)],
    ids=["training", "heldout"],
)
def test_every_label_has_enough_examples_per_language(directory, minimum) -> None:  # type: ignore[no-untyped-def]
    counts = Counter((example.label, example.language) for example in load_examples(directory))

    short = [
        f"{label} [{language}]: {counts[(label, language)]} < {needed}"
        for label in LABELS
        for language, needed in minimum.items()
        if counts[(label, language)] < needed
    ]
    assert not short
    assert {language for _, language in counts} <= set(load_settings().language_codes)


def test_no_example_is_given_two_labels() -> None:
    labels_by_text: dict = {}
    for example in load_examples(paths.NLU_DIR):
        labels_by_text.setdefault(example.text, set()).add(example.label)

    assert {text: labels for text, labels in labels_by_text.items() if len(labels) > 1} == {}
