"""Held-out evaluation: per-language accuracy of a trained model.

The held-out set (heldout/nlu/) is never trained on. A message's label is its
intent, or `faq/<topic>` for FAQ topics; the prediction is read the same way
from Rasa's parse result, so FAQ topics and other intents share one scale.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

from bot import paths
from bot.topics import FALLBACK_INTENT, FAQ_INTENT, faq_selection


@dataclass(frozen=True)
class Example:
    """One held-out message with its gold label and language."""

    text: str
    label: str
    language: str


@dataclass(frozen=True)
class Prediction:
    """What a classifier said about one message."""

    label: str
    confidence: float
    # False when the production thresholds would not let Soba answer itself.
    answered: bool


def load_examples(directory: Path = paths.HELDOUT_DIR) -> List[Example]:
    """Read every NLU file under `directory` with Rasa's own reader."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: List[Example] = []
    for path in sorted(directory.rglob("*.yml")):
        data = load_data(str(path))
        for message in data.intent_examples:
            label = message.get("intent_response_key") or message.get("intent")
            metadata = message.get("metadata") or {}
            language = (metadata.get("intent") or {}).get("language") or (metadata.get("example") or {}).get("language")
            if not language:
                raise ValueError(f"{path}: example {message.get('text')!r} has no metadata language")
            examples.append(Example(text=message.get("text"), label=label, language=language))
    return examples


def prediction_from_parse(parse: Mapping[str, Any], faq_threshold: float) -> Prediction:
    """Turn a Rasa parse result into a label, ignoring the fallback for accuracy.

    Accuracy measures the classifier; `answered` applies the production rules
    (FallbackClassifier, then the FAQ answer threshold) on top.
    """
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    answered = name != FALLBACK_INTENT
    if name == FALLBACK_INTENT:
        ranked = [item for item in parse.get("intent_ranking") or [] if item.get("name") != FALLBACK_INTENT]
        if ranked:
            name, confidence = ranked[0]["name"], float(ranked[0]["confidence"])
    if name == FAQ_INTENT:
        response = faq_selection(parse).get("response") or {}
        key = response.get("intent_response_key") or FAQ_INTENT
        confidence = float(response.get("confidence") or 0.0)
        answered = answered and confidence >= faq_threshold
        return Prediction(label=key, confidence=confidence, answered=answered)
    return Prediction(label=str(name), confidence=confidence, answered=answered)


@dataclass
class LanguageScore:
    """Metrics for one language."""

    total: int = 0
    correct: int = 0
    answered_wrongly: int = 0
    gold: List[str] = field(default_factory=list)
    predicted: List[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of messages whose top label is right."""
        return self.correct / self.total if self.total else 0.0

    @property
    def wrong_answer_rate(self) -> float:
        """Share of messages Soba would answer itself, wrongly."""
        return self.answered_wrongly / self.total if self.total else 0.0

    @property
    def macro_f1(self) -> float:
        """Unweighted mean F1 over the gold labels of this language."""
        return macro_f1(self.gold, self.predicted)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-averaged F1 over the labels that occur in `gold`."""
    labels = set(gold)
    if not labels:
        return 0.0
    true_pos: Counter = Counter()
    pred_count: Counter = Counter(predicted)
    gold_count: Counter = Counter(gold)
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            true_pos[g] += 1
    scores = []
    for label in labels:
        precision = true_pos[label] / pred_count[label] if pred_count[label] else 0.0
        recall = true_pos[label] / gold_count[label]
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


@dataclass
class Report:
    """Per-language scores plus parse latencies in seconds."""

    languages: Dict[str, LanguageScore]
    latencies: List[float]
    errors: List[Tuple[Example, Prediction]]


def score(examples: Iterable[Example], predictions: Iterable[Prediction], latencies: List[float]) -> Report:
    """Compare predictions with gold labels, per language."""
    languages: Dict[str, LanguageScore] = defaultdict(LanguageScore)
    errors = []
    for example, prediction in zip(examples, predictions, strict=True):
        entry = languages[example.language]
        entry.total += 1
        entry.gold.append(example.label)
        entry.predicted.append(prediction.label)
        if prediction.label == example.label:
            entry.correct += 1
        else:
            errors.append((example, prediction))
            if prediction.answered:
                entry.answered_wrongly += 1
    return Report(languages=dict(languages), latencies=latencies, errors=errors)


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` percentile (0..1) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def quiet_rasa() -> None:
    """Keep Rasa's per-message debug logs out of evaluation output (and time)."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)


async def parse_all(model: Path, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    """Parse each text with `model` in this process; return results and seconds each."""
    from rasa.core.agent import Agent

    quiet_rasa()
    agent = Agent.load(str(model))
    results, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        results.append(await agent.parse_message(text))
        latencies.append(time.perf_counter() - start)
    return results, latencies


def evaluate_model(model: Path, examples: List[Example] | None = None, faq_threshold: float | None = None) -> Report:
    """Parse every held-out example with `model` and score it."""
    from bot.settings import get_settings

    examples = examples if examples is not None else load_examples()
    threshold = get_settings().faq_answer_threshold if faq_threshold is None else faq_threshold
    parses, latencies = asyncio.run(parse_all(model, [example.text for example in examples]))
    predictions = [prediction_from_parse(parse, threshold) for parse in parses]
    return score(examples, predictions, latencies)


def format_report(report: Report) -> str:
    """A plain-text table of the per-language scores."""
    lines = [f"{'language':<10}{'n':>6}{'accuracy':>10}{'macro-F1':>10}{'wrong answers':>15}"]
    for code, entry in sorted(report.languages.items()):
        lines.append(
            f"{code:<10}{entry.total:>6}{entry.accuracy:>10.1%}{entry.macro_f1:>10.3f}{entry.wrong_answer_rate:>15.1%}"
        )
    lines.append(
        f"parse latency p50 {percentile(report.latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(report.latencies, 0.99) * 1000:.0f} ms"
    )
    return "\n".join(lines)
