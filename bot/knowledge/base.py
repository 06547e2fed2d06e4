"""Load, validate and render the knowledge base.

Editing an answer needs no retraining: the action server reads these files at
start-up. Validation collects every problem at once so a trainer fixes them in
one pass instead of one restart per typo.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Tuple
from urllib.parse import urlsplit

import yaml

from bot.knowledge.figures import Figures, FiguresError, load_figures, placeholders
from bot.texts import Texts

FIGURES_FILE = "figures.yml"
PLACES_FILE = "places.yml"
DATA_FILES = frozenset({FIGURES_FILE, PLACES_FILE})
# Languages written without spaces between words are limited in characters,
# the others in words. The limits were 400 characters and 120 words until the
# third legal review (docs/legal-review.md, 2026-12) added the provisions it
# found missing; the answer is then split into a first screen and details.
CHARACTER_COUNTED_LANGUAGES = frozenset({"ja", "zh", "th", "my", "km"})
MAX_CHARACTERS = 500
MAX_WORDS = 170
# How long before its `review_before` date an answer is reported as due.
REVIEW_BEFORE_NOTICE = dt.timedelta(days=90)
# Official sources only: government domains and the state legal-aid centre.
OFFICIAL_HOST_SUFFIXES = (".go.jp", "houterasu.or.jp")
# Who may sign off an answer (docs/legal-review.md). Anyone else's review is
# recorded honestly and reported by `make check-knowledge` as still pending.
PROFESSIONAL_REVIEWERS = frozenset({"union_counselor", "lawyer", "labour_and_social_security_attorney"})
REVIEW_MAX_AGE = dt.timedelta(days=365)
# A provision is an article number, a numbered rule or notice, or a dated court
# decision (case law such as the four requirements of 整理解雇).
_PROVISION = re.compile(
    r"第\s*[0-9０-９一二三四五六七八九十百]+\s*[条号]|Arts?\.\s*\d+|Article\s*\d+|規則\s*\d|Rule\s*\d|No\.\s*\d"
    r"|判決|判例|Supreme Court|High Court|District Court|case law",
    re.IGNORECASE,
)


class KnowledgeError(ValueError):
    """The knowledge base is incomplete or malformed; `problems` lists each issue."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__("knowledge base is invalid:\n- " + "\n- ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Link:
    """An official page where the person can go next."""

    url: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class PublicSectorNote:
    """Where the law differs for public servants, with its own provisions."""

    text: Mapping[str, str]
    refs: Tuple[Mapping[str, str], ...]


@dataclass(frozen=True)
class AnswerLabels:
    """Soba's own words around an answer, in one language (texts/<code>.yml)."""

    law: str
    link: str
    public_sector: str
    deadline: str
    closing: str

    @classmethod
    def from_texts(cls, texts: Texts, language: str) -> AnswerLabels:
        """The labels in `language` from texts/<language>.yml."""
        return cls(
            law=texts.get(language, "law_label"),
            link=texts.get(language, "link_label"),
            public_sector=texts.get(language, "public_sector_label"),
            deadline=texts.get(language, "deadline_label"),
            closing=texts.get(language, "answer_closing"),
        )


@dataclass(frozen=True)
class Topic:
    """One FAQ topic's answer in every language, with its legal basis."""

    topic: str
    title: Mapping[str, str]
    reviewed: dt.date
    reviewed_by: str
    refs: Tuple[Mapping[str, str], ...]
    links: Tuple[Link, ...]
    answer: Mapping[str, str]
    public_sector: PublicSectorNote | None
    # Each deadline is a text per language that states its period as a {figure}.
    deadlines: Tuple[Mapping[str, str], ...]
    figures: Figures
    # A date by which the answer must be read again (a law that changes on a known day).
    review_before: dt.date | None = None

    def text(self, part: Mapping[str, str], language: str) -> str:
        """One part of the answer in `language`, figures filled in."""
        return self.figures.fill(part[language], language)

    def render(self, language: str, labels: AnswerLabels) -> str:
        """The full reply: answer, deadlines, public-sector note, provisions, link, closing.

        Parts are separated by single newlines: Rasa splits a text at blank
        lines into separate chat messages, and LINE allows five per reply.
        """
        parts = [self.text(self.answer, language)]
        parts += [f"⏳ {labels.deadline}: {self.text(deadline, language)}" for deadline in self.deadlines]
        if self.public_sector:
            parts.append(f"【{labels.public_sector}】{self.text(self.public_sector.text, language)}")
        separator = "、" if language in CHARACTER_COUNTED_LANGUAGES else "; "
        parts.append(f"{labels.law}: " + separator.join(ref[language] for ref in self.refs))
        main = self.links[0]
        parts.append(f"{labels.link}: {main.labels[language]} {main.url}")
        parts.append(labels.closing)
        return "\n".join(parts)


def answer_length_problem(language: str, text: str) -> str | None:
    """Describe how `text` breaks the length limit for `language`, if it does."""
    if language in CHARACTER_COUNTED_LANGUAGES:
        size = len(re.sub(r"\s", "", text))
        return f"{size} characters > {MAX_CHARACTERS}" if size > MAX_CHARACTERS else None
    words = len(text.split())
    return f"{words} words > {MAX_WORDS}" if words > MAX_WORDS else None


class KnowledgeBase:
    """All topics, looked up by id."""

    def __init__(self, topics: Mapping[str, Topic], figures: Figures) -> None:
        self._topics = dict(topics)
        self.figures = figures

    def __contains__(self, topic: object) -> bool:
        return topic in self._topics

    def __getitem__(self, topic: str) -> Topic:
        return self._topics[topic]

    def __len__(self) -> int:
        return len(self._topics)

    @property
    def topic_ids(self) -> Tuple[str, ...]:
        """Topic ids in sorted order."""
        return tuple(sorted(self._topics))

    def review_warnings(self, today: dt.date) -> List[str]:
        """Answers whose review is over a year old or not yet signed off by a professional."""
        warnings = []
        for topic_id in self.topic_ids:
            topic = self._topics[topic_id]
            if today - topic.reviewed > REVIEW_MAX_AGE:
                warnings.append(f"{topic_id}: last reviewed {topic.reviewed}, over 12 months ago")
            if topic.review_before and today + REVIEW_BEFORE_NOTICE >= topic.review_before:
                warnings.append(f"{topic_id}: must be reviewed before {topic.review_before} (a law it cites changes)")
            if topic.reviewed_by not in PROFESSIONAL_REVIEWERS:
                warnings.append(
                    f"{topic_id}: reviewed by '{topic.reviewed_by}'; awaits a union counselor's or lawyer's review"
                )
        return warnings


def _localized(value: object, languages: Iterable[str], where: str, problems: List[str]) -> Dict[str, str]:
    """Check `value` is a mapping with non-empty text for every language."""
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a mapping of language: text")
        return {}
    result = {}
    for code in languages:
        text = value.get(code)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: no text for language '{code}'")
        else:
            result[code] = " ".join(text.split()) if code not in CHARACTER_COUNTED_LANGUAGES else text.strip()
    extra = set(value) - set(languages)
    if extra:
        problems.append(f"{where}: languages not supported: {sorted(extra)}")
    return result


def _refs(raw: object, languages: Tuple[str, ...], where: str, problems: List[str]) -> Tuple[Dict[str, str], ...]:
    """A non-empty list of provisions, each naming an article, rule or decision."""
    refs = tuple(_localized(ref, languages, f"{where}[{i}]", problems) for i, ref in enumerate(raw or ()))
    if not refs:
        problems.append(f"{where} must name at least one legal provision")
    for i, ref in enumerate(refs):
        if any(not _PROVISION.search(label) for label in ref.values()):
            problems.append(f"{where}[{i}]: names no article, rule or court decision")
    return refs


def _check_figures(parts: Mapping[str, Mapping[str, str]], figures: Figures, where: str, problems: List[str]) -> None:
    """Every number comes from figures.yml, and every language states the same figures.

    `parts` maps a part's name to its text per language; the parts of one
    group (an answer with its public-sector note, or one deadline) must use the
    same figures in every language, so no translation can drop or change one.
    """
    per_language: Dict[str, set] = {}
    for name, texts in parts.items():
        for code, text in texts.items():
            unknown = placeholders(text) - set(figures.figures)
            if unknown:
                problems.append(f"{where} {name}[{code}]: unknown figures {sorted(unknown)} (see figures.yml)")
            stray = figures.stray_numbers(text)
            if stray:
                problems.append(f"{where} {name}[{code}]: numbers not taken from figures.yml: {stray}")
            per_language.setdefault(code, set()).update(placeholders(text))
    complete = set.intersection(*(set(texts) for texts in parts.values())) if parts else set()
    # A language missing from a part is reported on its own; compare the rest.
    per_language = {code: used for code, used in per_language.items() if code in complete}
    if len({frozenset(used) for used in per_language.values()}) > 1:
        detail = "; ".join(f"{code}: {sorted(used)}" for code, used in sorted(per_language.items()))
        problems.append(f"{where}: languages state different figures ({detail})")


def _parse_topic(
    path: Path, languages: Tuple[str, ...], figures: Figures, places: Mapping[str, Link], problems: List[str]
) -> Topic | None:
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{where}: cannot read: {error}")
        return None
    if not isinstance(raw, dict):
        problems.append(f"{where}: must hold a mapping")
        return None
    before = len(problems)
    topic = raw.get("topic")
    if topic != path.stem:
        problems.append(f"{where}: 'topic' is {topic!r}, expected {path.stem!r} (the file name)")
    reviewed = raw.get("reviewed")
    if not isinstance(reviewed, dt.date):
        problems.append(f"{where}: 'reviewed' must be a date (YYYY-MM-DD)")
    reviewed_by = raw.get("reviewed_by")
    if not isinstance(reviewed_by, str) or not reviewed_by.strip():
        problems.append(f"{where}: 'reviewed_by' must name the reviewer's role (e.g. union_counselor, lawyer)")
    title = _localized(raw.get("title"), languages, f"{where} title", problems)
    answer = _localized(raw.get("answer"), languages, f"{where} answer", problems)
    public_sector = _public_sector(raw.get("public_sector"), languages, where, problems)
    refs = _refs(raw.get("refs"), languages, f"{where} refs", problems)
    deadlines = _deadlines(raw, languages, figures, where, problems)
    answer_parts: Dict[str, Mapping[str, str]] = {"answer": answer}
    if public_sector:
        answer_parts["public_sector"] = public_sector.text
    _check_figures(answer_parts, figures, where, problems)
    links = _links(raw.get("links"), places, where, problems)
    review_before = raw.get("review_before")
    if review_before is not None and not isinstance(review_before, dt.date):
        problems.append(f"{where}: 'review_before' must be a date (YYYY-MM-DD)")
    if len(problems) == before:
        for code in answer:
            text = figures.fill(answer[code], code)
            if public_sector:
                text += figures.fill(public_sector.text[code], code)
            problem = answer_length_problem(code, text)
            if problem:
                problems.append(f"{where} answer[{code}]: too long ({problem})")
    if len(problems) > before:
        return None
    return Topic(
        topic=str(topic),
        title=title,
        reviewed=reviewed,
        reviewed_by=str(reviewed_by).strip(),
        refs=refs,
        links=links,
        answer=answer,
        public_sector=public_sector,
        deadlines=deadlines,
        figures=figures,
        review_before=review_before,
    )


def _public_sector(raw: Any, languages: Tuple[str, ...], where: str, problems: List[str]) -> PublicSectorNote | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "text" not in raw:
        problems.append(f"{where} public_sector: expected 'text' (per language) and 'refs'")
        return None
    text = _localized(raw["text"], languages, f"{where} public_sector text", problems)
    refs = _refs(raw.get("refs"), languages, f"{where} public_sector refs", problems)
    return PublicSectorNote(text=text, refs=refs)


def _deadlines(
    raw: Mapping[str, Any], languages: Tuple[str, ...], figures: Figures, where: str, problems: List[str]
) -> Tuple[Mapping[str, str], ...]:
    """Deadlines are required as a key: an empty list says "this topic has none"."""
    if not isinstance(raw.get("deadlines"), list):
        problems.append(f"{where}: 'deadlines' must be a list (empty if the topic has no time limit)")
        return ()
    deadlines = []
    for i, entry in enumerate(raw["deadlines"]):
        label = f"{where} deadlines[{i}]"
        text = _localized(entry, languages, label, problems)
        for code, value in text.items():
            if not placeholders(value):
                problems.append(f"{label}[{code}]: states no period from figures.yml")
            if not _PROVISION.search(value):
                problems.append(f"{label}[{code}]: names no provision")
        _check_figures({"text": text}, figures, label, problems)
        deadlines.append(text)
    return tuple(deadlines)


def _links(raw: Any, places: Mapping[str, Link], where: str, problems: List[str]) -> Tuple[Link, ...]:
    """The official pages an answer points to, named by their id in places.yml."""
    links = []
    for i, place in enumerate(raw or ()):
        if not isinstance(place, str) or place not in places:
            problems.append(f"{where} links[{i}]: {place!r} is not a place in {PLACES_FILE}")
            continue
        links.append(places[place])
    if not raw:
        problems.append(f"{where}: 'links' must give at least one official page")
    return tuple(links)


def official_url_problem(url: str) -> str | None:
    """Why `url` is not an https link to an official site, if it is not."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or not parts.hostname.endswith(OFFICIAL_HOST_SUFFIXES):
        return f"{url!r} is not an https link to an official site"
    return None


def load_places(path: Path, languages: Tuple[str, ...]) -> Dict[str, Link]:
    """Read places.yml: every official office or page once, with its label in every language."""
    where = path.name
    problems: List[str] = []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeError([f"{where}: cannot read: {error}"]) from error
    if not isinstance(raw, dict) or not isinstance(raw.get("places"), dict):
        raise KnowledgeError([f"{where}: expected a mapping with 'places'"])
    places: Dict[str, Link] = {}
    for name, entry in raw["places"].items():
        entry = entry if isinstance(entry, dict) else {}
        url = str(entry.get("url", ""))
        problem = official_url_problem(url)
        if problem:
            problems.append(f"{where} {name}: {problem}")
        labels = _localized(entry.get("label"), languages, f"{where} {name} label", problems)
        places[str(name)] = Link(url=url, labels=labels)
    if problems:
        raise KnowledgeError(problems)
    return places


def load_knowledge(directory: Path, languages: Iterable[str], topics: Iterable[str]) -> KnowledgeBase:
    """Load every topic file and validate it against the topic list and languages.

    Raises KnowledgeError listing all problems: a topic without an answer file,
    an answer file for no known topic (orphan), a language missing anywhere,
    a missing provision, deadline key or link, a link that is not a place in
    places.yml, a number not taken from figures.yml, or an answer over the
    length limit.
    """
    languages = tuple(languages)
    expected = set(topics)
    problems: List[str] = []
    try:
        figures = load_figures(directory / FIGURES_FILE, languages)
    except FiguresError as error:
        raise KnowledgeError(str(error).splitlines()) from error
    places = load_places(directory / PLACES_FILE, languages)
    found: Dict[str, Topic] = {}
    files = sorted(path for path in directory.glob("*.yml") if path.name not in DATA_FILES)
    for path in files:
        if path.stem not in expected:
            problems.append(f"{path.name}: orphan answer, no FAQ topic '{path.stem}' is known")
            continue
        entry = _parse_topic(path, languages, figures, places, problems)
        if entry:
            found[entry.topic] = entry
    for missing in sorted(expected - {path.stem for path in files}):
        problems.append(f"topic '{missing}' has no answer file {missing}.yml")
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(found, figures)
