"""Held-out evaluation: what the person gets, per language, not top-1 alone.

Two held-out sets, never trained on:
- `heldout/nlu/` (Rasa format), written the same way as the training data;
- `heldout/hard/`, written from personas without looking at the training
  data: dialects, long stories, all-hiragana, romaji, typos, やさしい日本語
  (`ja-easy`), two-topic messages (either topic counts as right) and a crisis
  set with distress that is not danger.

Each message is decided by the production rule (`bot.decision`), so the
report says how often the person was answered right, was asked which topic
with the right one among the buttons (resolved), was answered wrongly, or was
asked to rephrase and then handed to a counselor.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Sequence, Tuple

import yaml

from bot import paths
from bot.decision import CRISIS_INTENT, Decision, Outcome, Thresholds, TopicPrediction
from bot.topics import FAQ_INTENT, TOPIC_SEPARATOR

HARD_DIR = paths.ROOT / "heldout" / "hard"
# Written in every language by writers who never saw the training data (2026-12).
BLIND_DIR = paths.ROOT / "heldout" / "blind"
DISTRESS_LABEL = "distress"
# The lowest clarify threshold `choose_thresholds` considers.
MIN_CLARIFY = 0.3
# Reliability-table bins of the top topic's confidence.
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Example:
    """One held-out message: any label in `labels` is right."""

    text: str
    labels: FrozenSet[str]
    language: str
    # For crisis-set messages: "crisis" or "distress"; "" otherwise.
    crisis_label: str = ""
    # A forum-style post: several sentences of background, the question last.
    long: bool = False


def faq_label(topic: str) -> str:
    """'paid_leave' -> 'faq/paid_leave'."""
    return f"{FAQ_INTENT}{TOPIC_SEPARATOR}{topic}"


def load_examples(directory: Path = paths.HELDOUT_DIR) -> List[Example]:
    """Read every Rasa NLU file under `directory` with Rasa's own reader."""
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
            crisis = CRISIS_INTENT if label == CRISIS_INTENT else ""
            examples.append(Example(message.get("text"), frozenset({label}), language, crisis))
    return examples


def load_hard_examples(directory: Path = HARD_DIR) -> List[Example]:
    """Read the persona-written set: faq/<topic>.yml, multi_topic.yml and crisis.yml."""
    examples: List[Example] = []
    for path in sorted((directory / "faq").glob("*.yml")):
        raw = _read(path)
        for item in raw["messages"]:
            examples.append(
                Example(
                    str(item["text"]),
                    frozenset({faq_label(raw["topic"])}),
                    str(item["language"]),
                    long=bool(item.get("long")),
                )
            )
    multi = directory / "multi_topic.yml"
    if multi.is_file():
        for item in _read(multi)["messages"]:
            labels = frozenset(faq_label(topic) for topic in item["topics"])
            examples.append(Example(str(item["text"]), labels, str(item["language"])))
    crisis = directory / "crisis.yml"
    if crisis.is_file():
        for item in _read(crisis)["messages"]:
            if item["label"] == CRISIS_INTENT:
                examples.append(
                    Example(
                        str(item["text"]),
                        frozenset({CRISIS_INTENT}),
                        str(item["language"]),
                        CRISIS_INTENT,
                        long=bool(item.get("long")),
                    )
                )
            else:
                topic = item.get("topic")
                labels = frozenset({faq_label(topic)}) if topic and topic != "none" else frozenset()
                examples.append(
                    Example(
                        str(item["text"]), labels, str(item["language"]), DISTRESS_LABEL, long=bool(item.get("long"))
                    )
                )
    return examples


def blind_halves(examples: Sequence[Example]) -> Tuple[List[Example], List[Example]]:
    """The blind set split in two by a hash of each text: thresholds are chosen on the first, scored on the second.

    The split does not depend on file order, so adding messages moves none.
    """
    tune: List[Example] = []
    test: List[Example] = []
    for example in examples:
        digest = hashlib.sha256(f"{example.language}\n{example.text}".encode()).digest()
        (tune if digest[0] % 2 == 0 else test).append(example)
    return tune, test


def _read(path: Path) -> Mapping[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
        raise ValueError(f"{path}: expected a mapping with a 'messages' list")
    return raw


def threshold_language(language: str) -> str:
    """The language whose thresholds apply: やさしい日本語 arrives as Japanese."""
    return language.split("-", 1)[0]


def ranked_labels(prediction: TopicPrediction) -> List[str]:
    """The prediction as one ranking of labels: a non-FAQ intent first, else the topics."""
    topics = [faq_label(topic) for topic, _ in prediction.topics]
    if prediction.intent not in (FAQ_INTENT, None) and not prediction.intent.startswith("nlu_"):
        return [prediction.intent, *topics]
    return topics


def decision_labels(decision: Decision) -> List[str]:
    """The labels a decision acts on (the answer, or the clarify choices)."""
    if decision.outcome in (Outcome.CRISIS, Outcome.INTENT):
        return [str(decision.intent)]
    return [faq_label(topic) for topic in decision.topics]


def add_fields(target: Any, source: Any) -> None:
    """Add every count (and list) of dataclass `source` to `target` of the same type."""
    for item in fields(target):
        setattr(target, item.name, getattr(target, item.name) + getattr(source, item.name))


@dataclass
class GroupScore:
    """Counts for one language of one held-out set."""

    total: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    clarified_right: int = 0
    answered_wrong: int = 0
    clarified_wrong: int = 0
    handed_off: int = 0
    # Messages whose language the pipeline detected, and how many it got right.
    detection_total: int = 0
    detected: int = 0
    # (confidence of the top topic, whether it was right) for calibration.
    confidences: List[Tuple[float, bool]] = field(default_factory=list)

    def share(self, count: int) -> float:
        """`count` as a share of this group's messages."""
        return count / self.total if self.total else 0.0

    def add(self, other: GroupScore) -> None:
        """Add another group's counts to this one."""
        add_fields(self, other)

    @property
    def resolved(self) -> int:
        """Answered right, or asked which with the right topic among the buttons."""
        return self.answered_right + self.clarified_right

    @property
    def calibration_error(self) -> float:
        """Expected calibration error of the top topic's confidence."""
        return expected_calibration_error(self.confidences)


def expected_calibration_error(pairs: Sequence[Tuple[float, bool]], bins: int = CALIBRATION_BINS) -> float:
    """Weighted mean |accuracy − confidence| over equal-width confidence bins."""
    if not pairs:
        return 0.0
    error = 0.0
    for _, _, members in reliability_bins(pairs, bins):
        if members:
            confidence = sum(c for c, _ in members) / len(members)
            accuracy = sum(1 for _, right in members if right) / len(members)
            error += len(members) / len(pairs) * abs(accuracy - confidence)
    return error


def reliability_bins(
    pairs: Sequence[Tuple[float, bool]], bins: int = CALIBRATION_BINS
) -> List[Tuple[float, float, List[Tuple[float, bool]]]]:
    """(low, high, members) per equal-width confidence bin."""
    result = []
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [(c, r) for c, r in pairs if low <= c < high or (index == bins - 1 and c == 1.0)]
        result.append((low, high, members))
    return result


@dataclass
class CrisisScore:
    """Crisis detection over every message of a set."""

    crisis_total: int = 0
    crisis_caught: int = 0
    flagged: int = 0
    flagged_right: int = 0
    distress_total: int = 0
    distress_flagged: int = 0
    missed: List[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of crisis messages that got the crisis response."""
        return self.crisis_caught / self.crisis_total if self.crisis_total else 1.0

    @property
    def precision(self) -> float:
        """Share of crisis responses that went to a crisis message."""
        return self.flagged_right / self.flagged if self.flagged else 1.0


@dataclass
class Report:
    """Scores per language, crisis detection, and parse latencies in seconds."""

    groups: Dict[str, GroupScore]
    crisis: CrisisScore
    latencies: List[float]
    wrong: List[Tuple[Example, Decision]]

    def merged_with(self, other: Report) -> Report:
        """Both reports' counts together (e.g. two halves of a set)."""
        groups: Dict[str, GroupScore] = defaultdict(GroupScore)
        for report in (self, other):
            for language, group in report.groups.items():
                groups[language].add(group)
        crisis = CrisisScore()
        for report in (self, other):
            for name in (
                "crisis_total",
                "crisis_caught",
                "flagged",
                "flagged_right",
                "distress_total",
                "distress_flagged",
            ):
                setattr(crisis, name, getattr(crisis, name) + getattr(report.crisis, name))
            crisis.missed += report.crisis.missed
        return Report(dict(groups), crisis, self.latencies + other.latencies, self.wrong + other.wrong)


def score(
    examples: Sequence[Example],
    predictions: Sequence[TopicPrediction],
    thresholds: Mapping[str, Thresholds],
    latencies: Sequence[float] = (),
) -> Report:
    """Decide each message with the production rule and count what the person got."""
    groups: Dict[str, GroupScore] = defaultdict(GroupScore)
    crisis = CrisisScore()
    wrong: List[Tuple[Example, Decision]] = []
    for example, prediction in zip(examples, predictions, strict=True):
        decision = prediction.decide(thresholds[threshold_language(example.language)])
        _count_crisis(crisis, example, decision)
        if example.crisis_label or not example.labels:
            continue  # crisis and distress messages are scored by the crisis table only
        group = groups[example.language]
        group.total += 1
        if prediction.language is not None:
            group.detection_total += 1
            group.detected += detected_right(example.language, prediction.language)
        ranking = ranked_labels(prediction)
        group.top1 += bool(ranking[:1] and ranking[0] in example.labels)
        group.top3 += bool(set(ranking[:3]) & example.labels)
        if prediction.topics:
            topic, confidence = prediction.topics[0]
            group.confidences.append((confidence, faq_label(topic) in example.labels))
        acted_on = decision_labels(decision)
        if decision.outcome is Outcome.CRISIS:
            # A false alarm opens an urgent ticket: the person reaches a human.
            # It is counted here as handed off and in the crisis precision.
            group.handed_off += 1
        elif decision.outcome in (Outcome.ANSWER, Outcome.INTENT):
            if acted_on[0] in example.labels:
                group.answered_right += 1
            else:
                group.answered_wrong += 1
                wrong.append((example, decision))
        elif decision.outcome is Outcome.CLARIFY:
            if set(acted_on) & example.labels:
                group.clarified_right += 1
            else:
                group.clarified_wrong += 1
        else:
            group.handed_off += 1
    return Report(groups=dict(groups), crisis=crisis, latencies=list(latencies), wrong=wrong)


def detected_right(written: str, detected: str) -> bool:
    """Whether the detected language is the one the message is written in (やさしい日本語 is Japanese)."""
    return detected == written or threshold_language(written) == detected


def _count_crisis(crisis: CrisisScore, example: Example, decision: Decision) -> None:
    flagged = decision.outcome is Outcome.CRISIS
    is_crisis = example.crisis_label == CRISIS_INTENT
    crisis.flagged += flagged
    crisis.flagged_right += flagged and is_crisis
    if is_crisis:
        crisis.crisis_total += 1
        crisis.crisis_caught += flagged
        if not flagged:
            crisis.missed.append(example.text)
    if example.crisis_label == DISTRESS_LABEL:
        crisis.distress_total += 1
        crisis.distress_flagged += flagged


def choose_thresholds(
    examples: Sequence[Example],
    predictions: Sequence[TopicPrediction],
    base: Thresholds,
    max_wrong: float = 0.01,
    resolved_slack: float = 0.01,
) -> Thresholds:
    """The thresholds that resolve the most messages with at most `max_wrong` answered wrongly.

    Asking "is it about…?" for everything would resolve nearly as much as
    answering, at the cost of a tap on every question; so among settings
    within `resolved_slack` of the most resolved, the one that answers the
    most outright wins. If no setting keeps wrong answers within `max_wrong`,
    the one with the fewest wrong answers wins.
    """
    grid = [round(0.05 * step, 2) for step in range(2, 20)] + [0.97, 0.99]
    # Below a 30% chance that an offered topic is right, "is it about…?" only
    # confuses; Soba asks to rephrase instead.
    clarify_grid = [value for value in grid if value >= MIN_CLARIFY]
    candidates: List[Tuple[float, float, float, Thresholds]] = []
    for intent in (0.3, 0.5, 0.7, 0.9):
        for answer in grid:
            for clarify in clarify_grid:
                candidate = Thresholds(answer=answer, clarify=clarify, intent=intent, choices=base.choices)
                groups = score(examples, predictions, defaultdict(lambda c=candidate: c)).groups.values()
                total = max(sum(g.total for g in groups), 1)
                wrong = sum(g.answered_wrong for g in groups) / total
                resolved = sum(g.resolved for g in groups) / total
                answered = sum(g.answered_right for g in groups) / total
                candidates.append((wrong, resolved, answered, candidate))
    allowed = [c for c in candidates if c[0] <= max_wrong]
    if not allowed:
        fewest = min(c[0] for c in candidates)
        allowed = [c for c in candidates if c[0] == fewest]
    most_resolved = max(c[1] for c in allowed)
    near_best = [c for c in allowed if c[1] >= most_resolved - resolved_slack]
    return max(near_best, key=lambda c: (c[2], c[1], -c[0]))[3]


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


def quiet_rasa() -> None:
    """Keep Rasa's per-message debug logs out of evaluation output (and time)."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)


def predict(model: Path, examples: Sequence[Example]) -> Tuple[List[TopicPrediction], List[float]]:
    """Parse every example with `model` and read its prediction."""
    parses, latencies = asyncio.run(parse_all(model, [example.text for example in examples]))
    return [TopicPrediction.from_parse(parse) for parse in parses], latencies


def evaluate_model(model: Path, examples: Sequence[Example], thresholds: Mapping[str, Thresholds]) -> Report:
    """Parse and score `examples` with the production rule."""
    predictions, latencies = predict(model, examples)
    return score(examples, predictions, thresholds, latencies)


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` percentile (0..1) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def format_report(report: Report, title: str = "") -> str:
    """A plain-text table per language, plus crisis detection."""
    lines = [title] if title else []
    lines.append(
        f"{'language':<9}{'n':>5}{'top-1':>8}{'top-3':>8}{'answered':>10}{'resolved':>10}"
        f"{'wrong':>8}{'rephrase':>10}{'ECE':>7}"
    )
    for code, g in sorted(report.groups.items()):
        lines.append(
            f"{code:<9}{g.total:>5}{g.share(g.top1):>8.1%}{g.share(g.top3):>8.1%}{g.share(g.answered_right):>10.1%}"
            f"{g.share(g.resolved):>10.1%}{g.share(g.answered_wrong):>8.1%}{g.share(g.handed_off):>10.1%}"
            f"{g.calibration_error:>7.3f}"
        )
    crisis = report.crisis
    if crisis.crisis_total or crisis.distress_total:
        lines.append(
            f"crisis: recall {crisis.recall:.1%} ({crisis.crisis_caught}/{crisis.crisis_total}), "
            f"precision {crisis.precision:.1%}, distress given the crisis script "
            f"{crisis.distress_flagged}/{crisis.distress_total}"
        )
    if report.latencies:
        lines.append(
            f"parse latency p50 {percentile(report.latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(report.latencies, 0.99) * 1000:.0f} ms"
        )
    return "\n".join(lines)


def examples_by_language(examples: Iterable[Example]) -> Dict[str, List[int]]:
    """Indices of the examples per threshold language."""
    groups: Dict[str, List[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups[threshold_language(example.language)].append(index)
    return dict(groups)
