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
# Minimums per label: training 30 Japanese + 12 English (80 + 30 for FAQ
# topics, the understanding issue's), held-out 6 Japanese + 3 English.
TRAINING_MINIMUM = {"ja": 30, "en": 12}
FAQ_TRAINING_MINIMUM = {"ja": 80, "en": 30}
HELDOUT_MINIMUM = {"ja": 6, "en": 3}


@pytest.mark.parametrize(
    ("directory", "minimum"),
    [(paths.NLU_DIR, TRAINING_MINIMUM), (paths.HELDOUT_DIR, HELDOUT_MINIMUM)],
    ids=["training", "heldout"],
)
def test_every_label_has_enough_examples_per_language(directory, minimum) -> None:  # type: ignore[no-untyped-def]
    counts = Counter((label, example.language) for example in load_examples(directory) for label in example.labels)
    is_training = directory == paths.NLU_DIR

    short = [
        f"{label} [{language}]: {counts[(label, language)]} < {needed}"
        for label in LABELS
        for language, needed in (FAQ_TRAINING_MINIMUM if is_training and label.startswith("faq/") else minimum).items()
        if counts[(label, language)] < needed
    ]
    assert not short
    assert {language for _, language in counts} <= set(load_settings().language_codes)


def test_no_example_is_given_two_labels() -> None:
    labels_by_text: dict = {}
    for example in load_examples(paths.NLU_DIR):
        labels_by_text.setdefault(example.text, set()).update(example.labels)

    assert {text: labels for text, labels in labels_by_text.items() if len(labels) > 1} == {}
