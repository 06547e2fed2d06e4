"""Load, validate and render the knowledge base.

Editing an answer needs no retraining: the action server reads these files at
start-up. Validation collects every problem at once so a trainer fixes them in
one pass instead of one restart per typo.

An answer has two parts. The **first screen** is what a worker on a phone
reads first: the answer in plain words (`summary`), what to do now (`steps`),
the time limits (`deadlines`) and where to go (`where_to_go`, offices from
knowledge/places.yml with their phone number or address). The **details**
hold the law: the rest of the answer (`details`), the public-sector note, the
provisions (`refs`, and each deadline's `law`) and further pages (`links`).
Every renderer works from this structure: `Topic.first_screen()` and
`Topic.details()` give the filled-in parts, `Topic.render_parts()` the texts,
`Topic.render()` the whole reply as one text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

import yaml

from bot.knowledge.citations import Citations
from bot.knowledge.figures import Figures, FiguresError, load_figures, placeholders
from bot.knowledge.places import Link, Place, PlacesError, load_places
from bot.texts import Texts
from bot.yaml_files import load_yaml

FIGURES_FILE = "figures.yml"
PLACES_FILE = "places.yml"
DATA_FILES = frozenset({FIGURES_FILE, PLACES_FILE})
# Languages written without spaces between words are limited in characters,
# the others in characters too but with a larger allowance (English words are
# longer than Japanese characters).
CHARACTER_COUNTED_LANGUAGES = frozenset({"ja", "zh", "th", "my", "km"})
# The first screen (summary, steps, deadlines, where to go) fits a phone
# screen: at most this many characters, not counting spaces in Japanese, and
# never counting web addresses (they show as one tap target).
FIRST_SCREEN_CHARACTERS = 300
FIRST_SCREEN_CHARACTERS_SPACED = 450
# The languages answers are written in first have the limits above; a
# translation is measured against English (settings.yml, length_vs_english).
LENGTH_LIMITED_LANGUAGES = frozenset({"ja", "en", "ja-easy"})
REFERENCE_LENGTH_LANGUAGE = "en"
QUOTES_JAPANESE_AS_TEXT = frozenset({"ja", "ja-easy", "zh"})
_JAPANESE_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef々〆〇ー・「」『』（）]+")
# The details (details text plus public-sector note) stay a short read too.
DETAILS_CHARACTERS = 600
DETAILS_WORDS = 220
MIN_STEPS, MAX_STEPS = 2, 4
MAX_PLACES = 3
MAX_SUMMARY_SENTENCES = 2
# Abbreviations a worker may not know. Answers spell the law out, or say it in
# plain words. English: acronyms of laws and bodies. Japanese: the short forms
# of law and office names (the usual names such as 労働基準法 or
# 男女雇用機会均等法 are not abbreviations in this sense).
BANNED_ABBREVIATIONS = (
    "LSA", "NPSA", "LPSA", "LCA", "EIA", "EEOA", "HIA", "EPIA", "IACI", "NPA", "MHLW", "OTIT", "ULP", "SME",
    "Kyutoku",
    "労基法", "労基署", "労基則", "労契法", "均等法", "育介法", "派遣法", "安衛法", "地公法", "国公法",
    "賃確法", "雇保法", "労災法", "給特法", "最賃法", "労推法", "行労法", "労組法", "健保法", "厚年法",
    "勤務時間法", "パート有期法",
)  # fmt: skip
# Full names that contain a banned short form (in Japanese and in Simplified
# Chinese); they are not abbreviations.
FULL_NAMES = ("男女雇用機会均等法", "労働者派遣法", "男女雇用机会均等法", "劳动者派遣法")
_BANNED = re.compile(
    "|".join(rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word) for word in BANNED_ABBREVIATIONS)
)
_URL = re.compile(r"https://\S+")
# Sentence ends, not counting the full stops of citations and abbreviations.
_NOT_SENTENCE_END = re.compile(r"\b(?:Arts?|Suppl|No|p\.m|a\.m|e\.g|i\.e|etc|v\.v|vb|dll|tb)\.$")
# Who may sign off an answer (docs/legal-review.md). Anyone else's review is
# recorded honestly and reported by `make check-knowledge` as still pending.
PROFESSIONAL_REVIEWERS = frozenset({"union_counselor", "lawyer", "labour_and_social_security_attorney"})
REVIEW_MAX_AGE = dt.timedelta(days=365)
# How long before its `review_before` date an answer is reported as due.
REVIEW_BEFORE_NOTICE = dt.timedelta(days=90)
# A provision is an article number, a numbered rule or notice, or a dated court
# decision (case law such as the four requirements of 整理解雇); translations
# name a decision by its Japanese case name (…事件). Article numbers in every
# language are recognised by bot/knowledge/citations.py.
_PROVISION = re.compile(
    r"第\s*[0-9０-９一二三四五六七八九十百]+\s*[条号]|Arts?\.\s*\d+|Article\s*\d+|規則[)）]?\s*\d|Rule\s*\d|No\.\s*\d"
    r"|判決|判例|事件|裁判所|判决|판결|Supreme Court|High Court|District Court|case law",
    re.IGNORECASE,
)


class KnowledgeError(ValueError):
    """The knowledge base is incomplete or malformed; `problems` lists each issue."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__("knowledge base is invalid:\n- " + "\n- ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PublicSectorNote:
    """Where the law differs for public servants, with its own provisions."""

    text: Mapping[str, str]
    refs: Tuple[Mapping[str, str], ...]


@dataclass(frozen=True)
class Deadline:
    """A time limit: the period in plain words (with its {figure}) and the provision it rests on."""

    text: Mapping[str, str]
    law: Mapping[str, str]


@dataclass(frozen=True)
class AnswerLabels:
    """Soba's own words around an answer, in one language (texts/<code>.yml)."""

    law: str
    link: str
    public_sector: str
    deadline: str
    closing: str
    steps: str
    where: str
    details: str
    deadline_law: str

    @classmethod
    def from_texts(cls, texts: Texts, language: str) -> AnswerLabels:
        """The labels in `language` from texts/<language>.yml."""
        return cls(
            law=texts.get(language, "law_label"),
            link=texts.get(language, "link_label"),
            public_sector=texts.get(language, "public_sector_label"),
            deadline=texts.get(language, "deadline_label"),
            closing=texts.get(language, "answer_closing"),
            steps=texts.get(language, "steps_label"),
            where=texts.get(language, "where_label"),
            details=texts.get(language, "details_label"),
            deadline_law=texts.get(language, "deadline_law_label"),
        )


@dataclass(frozen=True)
class PlaceLine:
    """Where to go, in one language: the office's name, phone number and address."""

    name: str
    phone: str | None
    url: str | None

    def text(self) -> str:
        """The name followed by the phone number, or else the address."""
        return " ".join(part for part in (self.name, self.phone or self.url) if part)


@dataclass(frozen=True)
class FirstScreen:
    """What a worker reads first, in one language, figures filled in."""

    summary: str
    steps: Tuple[str, ...]
    deadlines: Tuple[str, ...]
    places: Tuple[PlaceLine, ...]

    def render(self, labels: AnswerLabels) -> str:
        """As chat text, one part per line."""
        lines = [self.summary, f"{labels.steps}:"]
        lines += [f"{number}. {step}" for number, step in enumerate(self.steps, start=1)]
        lines += [f"⏳ {labels.deadline}: {deadline}" for deadline in self.deadlines]
        lines += [f"📍 {labels.where}: {place.text()}" for place in self.places]
        return "\n".join(lines)


@dataclass(frozen=True)
class LinkLine:
    """A further page, in one language."""

    label: str
    url: str


@dataclass(frozen=True)
class Details:
    """The law behind an answer, in one language, figures filled in."""

    text: str
    public_sector: str | None
    refs: Tuple[str, ...]
    deadline_laws: Tuple[str, ...]
    links: Tuple[LinkLine, ...]

    def render(self, labels: AnswerLabels, separator: str) -> str:
        """As chat text: details, public-sector note, provisions, the first further page."""
        lines = [self.text]
        if self.public_sector:
            lines.append(f"【{labels.public_sector}】{self.public_sector}")
        lines.append(f"{labels.law}: " + separator.join(self.refs))
        if self.deadline_laws:
            lines.append(f"{labels.deadline_law}: " + separator.join(self.deadline_laws))
        if self.links:
            lines.append(f"{labels.link}: {self.links[0].label} {self.links[0].url}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AnswerText:
    """An answer rendered for chat: first screen, details, and the closing every answer ends with.

    A channel that can fold text shows `first_screen` and `closing`, with
    `details` behind a "Details" button or a <details> element; `full` is all
    three, one part per line, for channels that cannot.
    """

    first_screen: str
    details: str
    closing: str

    @property
    def full(self) -> str:
        """First screen, details and closing as one text."""
        return "\n".join((self.first_screen, self.details, self.closing))


def list_separator(language: str) -> str:
    """How provisions are joined in a list: 、 in Japanese-style scripts, ; otherwise."""
    return "、" if language in CHARACTER_COUNTED_LANGUAGES else "; "


@dataclass(frozen=True)
class Topic:
    """One FAQ topic's answer in every language, with its legal basis."""

    topic: str
    title: Mapping[str, str]
    reviewed: dt.date
    reviewed_by: str
    summary: Mapping[str, str]
    steps: Tuple[Mapping[str, str], ...]
    deadlines: Tuple[Deadline, ...]
    where_to_go: Tuple[Place, ...]
    details_text: Mapping[str, str]
    public_sector: PublicSectorNote | None
    refs: Tuple[Mapping[str, str], ...]
    links: Tuple[Link, ...]
    figures: Figures
    # A date by which the answer must be read again (a law that changes on a known day).
    review_before: dt.date | None = None

    def text(self, part: Mapping[str, str], language: str) -> str:
        """One part of the answer in `language`, figures filled in."""
        return self.figures.fill(part[language], language)

    def first_screen(self, language: str) -> FirstScreen:
        """The summary, steps, deadlines and places in `language`."""
        return FirstScreen(
            summary=self.text(self.summary, language),
            steps=tuple(self.text(step, language) for step in self.steps),
            deadlines=tuple(self.text(deadline.text, language) for deadline in self.deadlines),
            places=tuple(PlaceLine(place.names[language], place.phone, place.url) for place in self.where_to_go),
        )

    def details(self, language: str) -> Details:
        """The details text, public-sector note, provisions and further pages in `language`."""
        deadline_laws: List[str] = []
        for deadline in self.deadlines:
            law = deadline.law[language]
            if law not in deadline_laws:
                deadline_laws.append(law)
        return Details(
            text=self.text(self.details_text, language),
            public_sector=self.text(self.public_sector.text, language) if self.public_sector else None,
            refs=tuple(ref[language] for ref in self.refs),
            deadline_laws=tuple(deadline_laws),
            links=tuple(LinkLine(link.labels[language], link.url or "") for link in self.links),
        )

    def body(self, language: str) -> str:
        """The answer's own words in `language` (summary, steps, details), for search."""
        parts = [self.summary, *self.steps, self.details_text]
        return " ".join(self.text(part, language) for part in parts)

    def render_first_screen(self, language: str, labels: AnswerLabels) -> str:
        """The first screen as chat text."""
        return self.first_screen(language).render(labels)

    def render_details(self, language: str, labels: AnswerLabels) -> str:
        """The details as chat text (without the closing)."""
        return self.details(language).render(labels, list_separator(language))

    def render_parts(self, language: str, labels: AnswerLabels) -> AnswerText:
        """The answer as chat texts: first screen, details and closing."""
        return AnswerText(
            first_screen=self.render_first_screen(language, labels),
            details=self.render_details(language, labels),
            closing=labels.closing,
        )

    def render(self, language: str, labels: AnswerLabels) -> str:
        """The full reply as one text: first screen, details, closing.

        Parts are separated by single newlines: Rasa splits a text at blank
        lines into separate chat messages, and LINE allows five per reply.
        """
        return self.render_parts(language, labels).full


def first_screen_size(language: str, text: str) -> int:
    """How long a first screen reads: characters without web addresses (and, in Japanese, spaces)."""
    text = _URL.sub("", text)
    if language in CHARACTER_COUNTED_LANGUAGES:
        return len(re.sub(r"\s", "", text))
    return len(" ".join(text.split()))


def reading_size(language: str, text: str) -> int:
    """The characters a reader of `language` reads: no spaces, web addresses or combining marks.

    Japanese names quoted beside a translation (労働基準監督署, for the counter)
    are not counted outside Japanese and Chinese: the reader does not read them.
    """
    text = _URL.sub("", text)
    if language not in QUOTES_JAPANESE_AS_TEXT:
        text = _JAPANESE_RUN.sub("", text)
    return sum(1 for char in text if not char.isspace() and unicodedata.category(char) not in ("Mn", "Mc", "Me"))


def details_length_problem(language: str, text: str) -> str | None:
    """Describe how the details break their length limit for `language`, if they do."""
    if language in CHARACTER_COUNTED_LANGUAGES:
        size = len(re.sub(r"\s", "", text))
        return f"{size} characters > {DETAILS_CHARACTERS}" if size > DETAILS_CHARACTERS else None
    words = len(text.split())
    return f"{words} words > {DETAILS_WORDS}" if words > DETAILS_WORDS else None


def sentence_count(language: str, text: str) -> int:
    """How many sentences `text` has (citations' full stops do not end one)."""
    if language in CHARACTER_COUNTED_LANGUAGES:
        return len([part for part in re.split(r"[。！？]", text) if part.strip()])
    count = 0
    for match in re.finditer(r"[.!?](?=\s|$)", text):
        if not _NOT_SENTENCE_END.search(text[: match.end()]):
            count += 1
    return max(count, 1)


def abbreviations_in(text: str) -> List[str]:
    """The banned abbreviations `text` uses."""
    for name in FULL_NAMES:
        text = text.replace(name, " ")
    return sorted(set(_BANNED.findall(text)))


class KnowledgeBase:
    """All topics, looked up by id."""

    def __init__(self, topics: Mapping[str, Topic], figures: Figures, places: Mapping[str, Place]) -> None:
        self._topics = dict(topics)
        self.figures = figures
        self.places = dict(places)

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
        """Answers whose review is over a year old, due before a known change, or not signed off."""
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


def names_a_provision(text: str, citations: Citations) -> bool:
    """Whether `text` names an article (in any language's words), a rule or a court decision."""
    return _PROVISION.search(text) is not None or citations.names_a_provision(text)


def _refs(
    raw: object, languages: Tuple[str, ...], citations: Citations, where: str, problems: List[str]
) -> Tuple[Dict[str, str], ...]:
    """A non-empty list of provisions, each naming an article, rule or decision."""
    if raw is not None and not isinstance(raw, list):
        problems.append(f"{where} must be a list of provisions")
        raw = None
    refs = tuple(_localized(ref, languages, f"{where}[{i}]", problems) for i, ref in enumerate(raw or ()))
    if not refs:
        problems.append(f"{where} must name at least one legal provision")
    for i, ref in enumerate(refs):
        if any(not names_a_provision(label, citations) for label in ref.values()):
            problems.append(f"{where}[{i}]: names no article, rule or court decision")
    return refs


def _check_figures(parts: Mapping[str, Mapping[str, str]], figures: Figures, where: str, problems: List[str]) -> None:
    """Every number comes from figures.yml, and every language states the same figures in each part.

    `parts` maps a part's name (summary, steps[0], details, a deadline's text
    …) to its text per language. Each part must use the same figures in every
    language, so no translation can drop, move or change one.
    """
    for name, texts in parts.items():
        used: Dict[str, frozenset] = {}
        for code, text in texts.items():
            unknown = placeholders(text) - set(figures.figures)
            if unknown:
                problems.append(f"{where} {name}[{code}]: unknown figures {sorted(unknown)} (see figures.yml)")
            stray = figures.stray_numbers(text)
            if stray:
                problems.append(f"{where} {name}[{code}]: numbers not taken from figures.yml: {stray}")
            used[code] = frozenset(placeholders(text))
        if len(set(used.values())) > 1:
            detail = "; ".join(f"{code}: {sorted(figs)}" for code, figs in sorted(used.items()))
            problems.append(f"{where} {name}: languages state different figures ({detail})")


def _check_abbreviations(parts: Mapping[str, Mapping[str, str]], where: str, problems: List[str]) -> None:
    """No part a worker reads uses an abbreviation from BANNED_ABBREVIATIONS."""
    for name, texts in parts.items():
        for code, text in texts.items():
            found = abbreviations_in(text)
            if found:
                problems.append(f"{where} {name}[{code}]: abbreviations a worker may not know: {found}")


def _steps(raw: Any, languages: Tuple[str, ...], where: str, problems: List[str]) -> Tuple[Dict[str, str], ...]:
    if not isinstance(raw, list) or not MIN_STEPS <= len(raw) <= MAX_STEPS:
        problems.append(f"{where}: 'steps' must list {MIN_STEPS} to {MAX_STEPS} things to do now")
        return ()
    return tuple(_localized(step, languages, f"{where} steps[{i}]", problems) for i, step in enumerate(raw))


def _where_to_go(raw: Any, places: Mapping[str, Place], where: str, problems: List[str]) -> Tuple[Place, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_PLACES:
        problems.append(f"{where}: 'where_to_go' must name 1 to {MAX_PLACES} offices from {PLACES_FILE}")
        return ()
    found = []
    for i, place_id in enumerate(raw):
        place = places.get(place_id) if isinstance(place_id, str) else None
        if place is None or not place.is_office:
            problems.append(f"{where} where_to_go[{i}]: {place_id!r} is not an office (with a name) in {PLACES_FILE}")
        else:
            found.append(place)
    return tuple(found)


def _links(raw: Any, places: Mapping[str, Place], where: str, problems: List[str]) -> Tuple[Link, ...]:
    """The official pages an answer points to, named by their id in places.yml."""
    links = []
    if raw is not None and not isinstance(raw, list):
        problems.append(f"{where}: 'links' must be a list of page ids from {PLACES_FILE}")
        raw = None
    for i, place_id in enumerate(raw or ()):
        place = places.get(place_id) if isinstance(place_id, str) else None
        if place is None or not place.url or not place.labels:
            problems.append(f"{where} links[{i}]: {place_id!r} is not a page (with an address) in {PLACES_FILE}")
        else:
            links.append(place)
    if not raw:
        problems.append(f"{where}: 'links' must give at least one official page")
    return tuple(links)


def _deadlines(
    raw: Mapping[str, Any], languages: Tuple[str, ...], figures: Figures, where: str, problems: List[str]
) -> Tuple[Deadline, ...]:
    """Deadlines are required as a key: an empty list says "this topic has none"."""
    if not isinstance(raw.get("deadlines"), list):
        problems.append(f"{where}: 'deadlines' must be a list (empty if the topic has no time limit)")
        return ()
    deadlines = []
    for i, entry in enumerate(raw["deadlines"]):
        label = f"{where} deadlines[{i}]"
        entry = entry if isinstance(entry, dict) else {}
        text = _localized(entry.get("text"), languages, f"{label} text", problems)
        law = _localized(entry.get("law"), languages, f"{label} law", problems)
        for code, value in text.items():
            if not placeholders(value):
                problems.append(f"{label} text[{code}]: states no period from figures.yml")
        for code, value in law.items():
            if not names_a_provision(value, figures.citations):
                problems.append(f"{label} law[{code}]: names no provision")
        _check_figures({"text": text, "law": law}, figures, label, problems)
        deadlines.append(Deadline(text=text, law=law))
    return tuple(deadlines)


def _public_sector(
    raw: Any, languages: Tuple[str, ...], citations: Citations, where: str, problems: List[str]
) -> PublicSectorNote | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "text" not in raw:
        problems.append(f"{where} public_sector: expected 'text' (per language) and 'refs'")
        return None
    text = _localized(raw["text"], languages, f"{where} public_sector text", problems)
    refs = _refs(raw.get("refs"), languages, citations, f"{where} public_sector refs", problems)
    return PublicSectorNote(text=text, refs=refs)


def _check_rendering(topic: Topic, where: str, problems: List[str], length_vs_english: Mapping[str, float]) -> None:
    """Length and shape of what a worker reads, per language.

    Japanese, やさしい日本語 and English have their own limits; a translation
    may be as long as the English answer times its language's
    `length_vs_english` (settings.yml), so no translation adds to the answer.
    """
    has_english = REFERENCE_LENGTH_LANGUAGE in topic.summary
    english_screen = _first_screen_text(topic, REFERENCE_LENGTH_LANGUAGE) if has_english else ""
    english_details = _details_text(topic, REFERENCE_LENGTH_LANGUAGE) if has_english else ""
    for code in topic.summary:
        screen = topic.first_screen(code)
        sentences = sentence_count(code, screen.summary)
        if sentences > MAX_SUMMARY_SENTENCES:
            problems.append(f"{where} summary[{code}]: {sentences} sentences > {MAX_SUMMARY_SENTENCES}")
        text = _first_screen_text(topic, code)
        for deadline in screen.deadlines:
            if deadline not in text:
                problems.append(f"{where} first screen[{code}]: deadline {deadline!r} is not shown")
        details = _details_text(topic, code)
        if code in LENGTH_LIMITED_LANGUAGES:
            limit = FIRST_SCREEN_CHARACTERS if code in CHARACTER_COUNTED_LANGUAGES else FIRST_SCREEN_CHARACTERS_SPACED
            size = first_screen_size(code, text)
            if size > limit:
                problems.append(f"{where} first screen[{code}]: too long ({size} characters > {limit})")
            problem = details_length_problem(code, details)
            if problem:
                problems.append(f"{where} details[{code}]: too long ({problem})")
            continue
        if not has_english:
            continue
        factor = length_vs_english.get(code, 1.0)
        for part, own, english in (("first screen", text, english_screen), ("details", details, english_details)):
            size, allowed = reading_size(code, own), reading_size(REFERENCE_LENGTH_LANGUAGE, english) * factor
            if size > allowed:
                problems.append(
                    f"{where} {part}[{code}]: too long ({size} characters read > {allowed:.0f},"
                    f" English × {factor}; settings.yml length_vs_english)"
                )


def _first_screen_text(topic: Topic, language: str) -> str:
    screen = topic.first_screen(language)
    return "\n".join([screen.summary, *screen.steps, *screen.deadlines, *(p.text() for p in screen.places)])


def _details_text(topic: Topic, language: str) -> str:
    details = topic.details(language)
    return details.text + " " + (details.public_sector or "")


def _parse_topic(
    path: Path,
    languages: Tuple[str, ...],
    figures: Figures,
    places: Mapping[str, Place],
    length_vs_english: Mapping[str, float],
    problems: List[str],
) -> Topic | None:
    where = path.name
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as error:  # ValueError: not UTF-8, or an impossible date
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
    review_before = raw.get("review_before")
    if review_before is not None and not isinstance(review_before, dt.date):
        problems.append(f"{where}: 'review_before' must be a date (YYYY-MM-DD)")
    if "answer" in raw:
        problems.append(
            f"{where}: 'answer' was split into summary, steps, where_to_go and details (see docs/legal-review.md)"
        )
    title = _localized(raw.get("title"), languages, f"{where} title", problems)
    summary = _localized(raw.get("summary"), languages, f"{where} summary", problems)
    steps = _steps(raw.get("steps"), languages, where, problems)
    deadlines = _deadlines(raw, languages, figures, where, problems)
    where_to_go = _where_to_go(raw.get("where_to_go"), places, where, problems)
    details_text = _localized(raw.get("details"), languages, f"{where} details", problems)
    public_sector = _public_sector(raw.get("public_sector"), languages, figures.citations, where, problems)
    refs = _refs(raw.get("refs"), languages, figures.citations, f"{where} refs", problems)
    links = _links(raw.get("links"), places, where, problems)
    answer_parts: Dict[str, Mapping[str, str]] = {"summary": summary, "details": details_text}
    answer_parts.update({f"steps[{i}]": step for i, step in enumerate(steps)})
    if public_sector:
        answer_parts["public_sector"] = public_sector.text
    _check_figures(answer_parts, figures, where, problems)
    worded: Dict[str, Mapping[str, str]] = {"title": title, **answer_parts}
    worded.update({f"refs[{i}]": ref for i, ref in enumerate(refs)})
    for i, deadline in enumerate(deadlines):
        worded[f"deadlines[{i}] text"] = deadline.text
        worded[f"deadlines[{i}] law"] = deadline.law
    if public_sector:
        worded.update({f"public_sector refs[{i}]": ref for i, ref in enumerate(public_sector.refs)})
    _check_abbreviations(worded, where, problems)
    if len(problems) > before:
        return None
    parsed = Topic(
        topic=str(topic),
        title=title,
        reviewed=reviewed,
        reviewed_by=str(reviewed_by).strip(),
        summary=summary,
        steps=steps,
        deadlines=deadlines,
        where_to_go=where_to_go,
        details_text=details_text,
        public_sector=public_sector,
        refs=refs,
        links=links,
        figures=figures,
        review_before=review_before,
    )
    _check_rendering(parsed, where, problems, length_vs_english)
    return parsed if len(problems) == before else None


def _check_places(places: Mapping[str, Place], where: str, problems: List[str]) -> None:
    """Names and labels of places are read by workers too: no banned abbreviations."""
    for place in places.values():
        _check_abbreviations({f"{place.id} name": place.names, f"{place.id} label": place.labels}, where, problems)


def _contacts() -> Mapping[str, str]:
    # Read only when the caller gives none, so tests and tools can pass their own.
    from bot.settings import get_settings

    return get_settings().contacts


def _length_vs_english() -> Mapping[str, float]:
    from bot.settings import get_settings

    return {code: language.length_vs_english for code, language in get_settings().languages.items()}


def _citations() -> Citations:
    """Every language's citation words (texts/<code>.yml `law`)."""
    from bot.texts import get_texts

    return Citations.from_texts(get_texts())


def load_knowledge(
    directory: Path,
    languages: Iterable[str],
    topics: Iterable[str],
    contacts: Mapping[str, str] | None = None,
    citations: Citations | None = None,
    length_vs_english: Mapping[str, float] | None = None,
) -> KnowledgeBase:
    """Load every topic file and validate it against the topic list and languages.

    Raises KnowledgeError listing all problems: a topic without an answer file,
    an answer file for no known topic (orphan), a language missing anywhere,
    a missing provision, deadline key, step or office, a place that is not in
    places.yml, a number not taken from figures.yml, an abbreviation, or a
    first screen or details over its length limit. `contacts` are the phone
    numbers places may name (settings.yml's `contacts` if not given);
    `citations` tells a cited number from a figure (the registry's words if not given);
    `length_vs_english` each translation's length allowance (settings.yml).
    """
    if length_vs_english is None:
        length_vs_english = _length_vs_english()
    languages = tuple(languages)
    expected = set(topics)
    problems: List[str] = []
    try:
        citations = citations or _citations()
        figures = load_figures(directory / FIGURES_FILE, languages, citations)
        places = load_places(directory / PLACES_FILE, languages, _contacts() if contacts is None else contacts, figures)
    except FiguresError as error:
        raise KnowledgeError(str(error).splitlines()) from error
    except PlacesError as error:
        raise KnowledgeError(error.problems) from error
    _check_places(places, PLACES_FILE, problems)
    found: Dict[str, Topic] = {}
    files = sorted(path for path in directory.glob("*.yml") if path.name not in DATA_FILES)
    for path in files:
        if path.stem not in expected:
            problems.append(f"{path.name}: orphan answer, no FAQ topic '{path.stem}' is known")
            continue
        entry = _parse_topic(path, languages, figures, places, length_vs_english, problems)
        if entry:
            found[entry.topic] = entry
    for missing in sorted(expected - {path.stem for path in files}):
        problems.append(f"topic '{missing}' has no answer file {missing}.yml")
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(found, figures, places)


__all__: Sequence[str] = (
    "AnswerLabels",
    "AnswerText",
    "Deadline",
    "Details",
    "FirstScreen",
    "KnowledgeBase",
    "KnowledgeError",
    "Link",
    "LinkLine",
    "Place",
    "PlaceLine",
    "PublicSectorNote",
    "Topic",
    "list_separator",
    "load_knowledge",
)


@lru_cache(maxsize=1)
def get_knowledge() -> KnowledgeBase:
    """The knowledge base of the project, validated once per process (actions, search, console, pages)."""
    from bot import paths
    from bot.settings import get_settings
    from bot.topics import faq_topic_ids

    settings = get_settings()
    return load_knowledge(paths.KNOWLEDGE_DIR, settings.answer_languages, faq_topic_ids())
