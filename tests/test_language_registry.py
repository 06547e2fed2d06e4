"""Every language in the registry has everything Soba needs to serve it; the failure names what is missing.

The registry is settings.yml `languages` plus texts/<code>.yml; the data
are training examples (data/nlu), the blind held-out set (heldout/blind) and
the answers (knowledge/). Adding a language is an entry in each (README,
"Adding a language"); this test lists what a new language still lacks.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Dict, List, Tuple

import pytest
import yaml

from bot import paths
from bot.evaluation import BLIND_DIR, Example, load_examples, load_hard_examples
from bot.settings import EASY_JAPANESE, load_settings
from bot.texts import Texts, load_texts
from bot.topics import faq_topic_ids

SETTINGS = load_settings()
# The minimums: 40 training examples per topic and per other intent,
# 5 blind held-out messages per topic, a fifth of them long posts.
TRAINING_MINIMUM = 40
BLIND_PER_TOPIC = 5
LONG_SHARE = 0.2
CRISIS_PHRASES_MINIMUM = 30
# Intents every language is trained on (out_of_scope, crisis and the rest).
INTENTS = (
    "greet", "goodbye", "thank", "request_human", "choose_language", "bot_challenge",
    "feedback_positive", "feedback_negative", "out_of_scope", "crisis", "cancel_ticket",
)  # fmt: skip
# The crisis categories of the Japanese set (heldout/blind/crisis.yml).
CRISIS_CATEGORIES_MINIMUM = 4


@lru_cache(maxsize=1)
def training() -> Counter:
    return Counter((label, example.language) for example in load_examples(paths.NLU_DIR) for label in example.labels)


@lru_cache(maxsize=1)
def blind() -> Tuple[Example, ...]:
    return tuple(load_hard_examples(BLIND_DIR))


@lru_cache(maxsize=1)
def blind_categories() -> Dict[str, set]:
    raw = yaml.safe_load((BLIND_DIR / "crisis.yml").read_text(encoding="utf-8"))
    found: Dict[str, set] = {}
    for item in raw["messages"]:
        if item["label"] == "crisis":
            found.setdefault(item["language"], set()).add(item.get("category"))
    return found


@lru_cache(maxsize=1)
def texts() -> Texts:
    return Texts(load_texts(paths.TEXTS_DIR, SETTINGS.answer_languages), SETTINGS)


def missing(code: str) -> List[str]:
    """Everything language `code` lacks, in words a trainer can act on."""
    problems: List[str] = []
    spoken = code != EASY_JAPANESE  # やさしい日本語 is an answer mode of Japanese, detected as Japanese
    if spoken:
        language = SETTINGS.languages.get(code)
        if language is None:
            return [f"settings.yml languages: no entry for {code}"]
        if not language.aliases:
            problems.append(f"settings.yml languages.{code}: no aliases to choose it by")
    if not (paths.TEXTS_DIR / f"{code}.yml").is_file():
        return [*problems, f"texts/{code}.yml: missing"]
    raw = yaml.safe_load((paths.TEXTS_DIR / f"{code}.yml").read_text(encoding="utf-8"))
    phrases = raw.get("crisis_phrases") or []
    if spoken and len(phrases) < CRISIS_PHRASES_MINIMUM:
        problems.append(f"texts/{code}.yml crisis_phrases: {len(phrases)} < {CRISIS_PHRASES_MINIMUM}")
    if not texts().section(code, "law")["article_words"]:
        problems.append(f"texts/{code}.yml law.article_words: empty")
    for topic in faq_topic_ids():
        raw_topic = yaml.safe_load((paths.KNOWLEDGE_DIR / f"{topic}.yml").read_text(encoding="utf-8"))
        if code not in (raw_topic.get("summary") or {}):
            problems.append(f"knowledge/{topic}.yml: no answer in {code}")
    if spoken:
        for label in [f"faq/{topic}" for topic in faq_topic_ids()] + list(INTENTS):
            if training()[(label, code)] < TRAINING_MINIMUM:
                count = training()[(label, code)]
                problems.append(f"data/nlu {label} [{code}]: {count} < {TRAINING_MINIMUM} examples")
    ours = [example for example in blind() if example.language == code]
    per_topic = Counter(label for example in ours if not example.crisis_label for label in example.labels)
    for topic in faq_topic_ids():
        if per_topic[f"faq/{topic}"] < BLIND_PER_TOPIC:
            problems.append(f"heldout/blind faq/{topic} [{code}]: {per_topic[f'faq/{topic}']} < {BLIND_PER_TOPIC}")
    questions = [example for example in ours if not example.crisis_label]
    if questions and sum(example.long for example in questions) < LONG_SHARE * len(questions):
        problems.append(f"heldout/blind [{code}]: fewer than a fifth are long posts")
    if len(blind_categories().get(code, ())) < CRISIS_CATEGORIES_MINIMUM:
        problems.append(
            f"heldout/blind/crisis.yml [{code}]: crisis messages in fewer than {CRISIS_CATEGORIES_MINIMUM} categories"
        )
    return problems


@pytest.mark.parametrize("code", SETTINGS.answer_languages)
def test_every_language_has_everything_soba_needs(code: str) -> None:
    assert missing(code) == []
