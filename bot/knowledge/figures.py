"""Figures the answers state, kept once in knowledge/figures.yml.

An answer writes `{notice_days}`, never `30`: a change in the law is then one
edit that reaches every language. `stray_numbers` finds a number written into
an answer by hand, so a translator cannot bring one back in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Set, Tuple

import yaml

from bot.knowledge.citations import Citations
from bot.yaml_files import load_yaml

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")

# What may carry digits without being a figure: article, paragraph and item
# numbers, numbered rules and notices, law numbers, dates and court-decision
# dates. Each alternative is anchored on a word that marks it as a citation.
_CITATION = re.compile(
    r"""
      第\d+(?:条|項|号|章)(?:[の之의]\d+)*               # 第115条, 第30条の2, 第3項
    | (?:昭和|平成|令和)\d+年(?:\d+月(?:\d+日)?|法律第\d+号|厚生労働省告示第\d+号)?
    | \d{4}年\d+月\d+日 | \d{4}-\d{2}-\d{2} | \d{4}年
    | (?:人事院)?規則\s*\d+-\d+(?:-\d+)?            # 人事院規則10-16
    | Rule\s*\d+-\d+(?:-\d+)?
    | 告示第\d+号 | No\.\s*\d+
    | Arts?\.\s*\d+(?:-\d+)*(?:\(\d+\))*(?:\s*(?:,|;|and|to|–|-)\s*\d+(?:-\d+)*(?:\(\d+\))*)*
    | Articles?\s*\d+(?:-\d+)*(?:\(\d+\))*
    | Act\s+No\.\s*\d+ | Law\s+No\.\s*\d+
    | \b\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b
    | \b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2}\b
    """,
    re.VERBOSE,
)
_DIGIT = re.compile(r"\d")
# Spelled-out numbers a translation might use instead of digits.
_NUMBER_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|half|quarter)\b|[一二三四五六七八九十百]+(?:日|週間|か月|ヶ月|カ月|年|時間|割|回)",
    re.IGNORECASE,
)


class FiguresError(ValueError):
    """knowledge/figures.yml is malformed."""


@dataclass(frozen=True)
class Figure:
    """One figure with the provision it comes from."""

    name: str
    values: Mapping[str, str]
    ref: Mapping[str, str]

    def text(self, language: str) -> str:
        """The figure as written in `language`."""
        return self.values[language]


@dataclass(frozen=True)
class Figures:
    """All figures, and the names that contain digits without being figures."""

    figures: Mapping[str, Figure]
    names_with_digits: Tuple[str, ...]
    citations: Citations

    def fill(self, text: str, language: str) -> str:
        """`text` with every {figure} replaced by its value in `language`."""
        return PLACEHOLDER.sub(lambda match: self.figures[match.group(1)].text(language), text)

    def stray_numbers(self, text: str) -> List[str]:
        """Numbers in `text` that are neither a {figure}, a citation nor a known name."""
        rest = unicodedata.normalize("NFKC", PLACEHOLDER.sub(" ", text))
        for name in self.names_with_digits:
            rest = rest.replace(unicodedata.normalize("NFKC", name), " ")
        rest = _CITATION.sub(" ", self.citations.without_citations(rest))
        found = [match.group(0) for match in re.finditer(r"\d[\d.,]*", rest)]
        found += [match.group(0) for match in _NUMBER_WORDS.finditer(rest)]
        return found


def placeholders(text: str) -> Set[str]:
    """The figure names `text` refers to."""
    return set(PLACEHOLDER.findall(text))


# The provision a figure comes from is written in the languages the reviewers read;
# a figure's value (a word such as "10 p.m.") is needed in every language.
REFERENCE_LANGUAGES = ("ja", "en")


def load_figures(path: Path, languages: Iterable[str], citations: Citations) -> Figures:
    """Read figures.yml; every figure needs a value in every language and a provision in ja and en."""
    languages = tuple(languages)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as error:  # ValueError: not UTF-8, or an impossible date
        raise FiguresError(f"{path.name}: cannot read: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("figures"), dict):
        raise FiguresError(f"{path.name}: expected a mapping with 'figures'")
    problems: List[str] = []
    figures: Dict[str, Figure] = {}
    for name, entry in raw["figures"].items():
        if not isinstance(entry, dict) or "value" not in entry or not isinstance(entry.get("ref"), dict):
            problems.append(f"{path.name} {name}: needs 'value' and 'ref' (a text per language)")
            continue
        value = entry["value"]
        values = {code: str(value[code]) if isinstance(value, dict) and code in value else "" for code in languages}
        if not isinstance(value, dict):
            values = {code: str(value) for code in languages}
        missing = [
            code
            for code in languages
            if not values[code] or (code in REFERENCE_LANGUAGES and not entry["ref"].get(code))
        ]
        if missing:
            problems.append(f"{path.name} {name}: no value or ref for {missing}")
            continue
        ref = {code: str(text) for code, text in entry["ref"].items()}
        figures[str(name)] = Figure(name=str(name), values=values, ref=ref)
    if problems:
        raise FiguresError("\n".join(problems))
    names = tuple(str(name) for name in raw.get("names_with_digits") or ())
    return Figures(figures=figures, names_with_digits=names, citations=citations)
