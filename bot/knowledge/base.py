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
from typing import Dict, Iterable, List, Mapping, Tuple
from urllib.parse import urlsplit

import yaml

# Languages written without spaces between words are limited in characters,
# the others in words (the issue: Japanese ≤ 400 characters, English ≤ 120 words).
CHARACTER_COUNTED_LANGUAGES = frozenset({"ja", "zh", "th", "my", "km"})
MAX_CHARACTERS = 400
MAX_WORDS = 120
# Official sources only: government domains and the state legal-aid centre.
OFFICIAL_HOST_SUFFIXES = (".go.jp", "houterasu.or.jp")
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
class Topic:
    """One FAQ topic's answer in every language, with its legal basis."""

    topic: str
    title: Mapping[str, str]
    reviewed: dt.date
    refs: Tuple[Mapping[str, str], ...]
    links: Tuple[Link, ...]
    answer: Mapping[str, str]
    public_sector: Mapping[str, str] | None

    def render(self, language: str, law_label: str, link_label: str, public_sector_label: str) -> str:
        """The full reply: answer, public-sector note, provisions and link.

        Parts are separated by single newlines: Rasa splits a text at blank
        lines into separate chat messages, and LINE allows five per reply.
        """
        parts = [self.answer[language]]
        if self.public_sector:
            parts.append(f"【{public_sector_label}】{self.public_sector[language]}")
        separator = "、" if language in CHARACTER_COUNTED_LANGUAGES else "; "
        parts.append(f"{law_label}: " + separator.join(ref[language] for ref in self.refs))
        main = self.links[0]
        parts.append(f"{link_label}: {main.labels[language]} {main.url}")
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

    def __init__(self, topics: Mapping[str, Topic]) -> None:
        self._topics = dict(topics)

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


def _parse_topic(path: Path, languages: Tuple[str, ...], problems: List[str]) -> Topic | None:
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
    title = _localized(raw.get("title"), languages, f"{where} title", problems)
    answer = _localized(raw.get("answer"), languages, f"{where} answer", problems)
    public_sector = (
        _localized(raw["public_sector"], languages, f"{where} public_sector", problems)
        if raw.get("public_sector") is not None
        else None
    )
    refs = tuple(
        _localized(ref, languages, f"{where} refs[{i}]", problems) for i, ref in enumerate(raw.get("refs") or ())
    )
    if not refs:
        problems.append(f"{where}: 'refs' must name at least one legal provision")
    for i, ref in enumerate(refs):
        if any(not _PROVISION.search(label) for label in ref.values()):
            problems.append(f"{where} refs[{i}]: names no article, rule or court decision")
    links = []
    for i, link in enumerate(raw.get("links") or ()):
        url = str(link.get("url", "")) if isinstance(link, dict) else ""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or not parts.hostname.endswith(OFFICIAL_HOST_SUFFIXES):
            problems.append(f"{where} links[{i}]: {url!r} is not an https link to an official site")
        labels = _localized(
            {k: v for k, v in (link or {}).items() if k != "url"}, languages, f"{where} links[{i}]", problems
        )
        links.append(Link(url=url, labels=labels))
    if not links:
        problems.append(f"{where}: 'links' must give at least one official page")
    for code in answer:
        text = answer[code] + (public_sector or {}).get(code, "")
        problem = answer_length_problem(code, text)
        if problem:
            problems.append(f"{where} answer[{code}]: too long ({problem})")
    if len(problems) > before:
        return None
    return Topic(
        topic=str(topic),
        title=title,
        reviewed=reviewed,
        refs=refs,
        links=tuple(links),
        answer=answer,
        public_sector=public_sector,
    )


def load_knowledge(directory: Path, languages: Iterable[str], topics: Iterable[str]) -> KnowledgeBase:
    """Load every topic file and validate it against the topic list and languages.

    Raises KnowledgeError listing all problems: a topic without an answer file,
    an answer file for no known topic (orphan), a language missing anywhere,
    a missing provision or link, or an answer over the length limit.
    """
    languages = tuple(languages)
    expected = set(topics)
    problems: List[str] = []
    found: Dict[str, Topic] = {}
    files = sorted(directory.glob("*.yml"))
    for path in files:
        if path.stem not in expected:
            problems.append(f"{path.name}: orphan answer, no FAQ topic '{path.stem}' is known")
            continue
        entry = _parse_topic(path, languages, problems)
        if entry:
            found[entry.topic] = entry
    for missing in sorted(expected - {path.stem for path in files}):
        problems.append(f"topic '{missing}' has no answer file {missing}.yml")
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(found)
