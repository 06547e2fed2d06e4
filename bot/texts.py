"""Soba's own words per language (texts/<code>.yml), filled from settings.

Each language's file is its entry in the language registry: bot texts as
flat keys, and sections for everything else that differs by language —
`page` (the public FAQ pages), `widget` (the web widget's labels),
`telegram_commands`, `phrasebook` (what counselors insert), `dates` (how a
time is written), `search` (stop words). Every file must have exactly the
keys of the default language's file, so a new language names what it lacks.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

from bot import paths
from bot.settings import Settings, get_settings
from bot.yaml_files import read_mapping


class TextsError(ValueError):
    """A texts file is missing, malformed, or lacks a key another language has."""


def _shape(value: Any, where: str) -> Any:
    """The keys of nested mappings (lists and strings are leaves)."""
    if isinstance(value, dict):
        return {str(key): _shape(inner, f"{where}.{key}") for key, inner in value.items()}
    return None


def _differences(reference: Any, other: Any, where: str = "") -> List[str]:
    if not isinstance(reference, dict):
        return [] if not isinstance(other, dict) else [f"{where} should not be a section"]
    if not isinstance(other, dict):
        return [f"{where} should be a section"]
    missing = [f"{where}.{key}".lstrip(".") for key in reference if key not in other]
    extra = [f"{where}.{key} (not in the default language)".lstrip(".") for key in other if key not in reference]
    nested = [
        difference
        for key in reference
        if key in other
        for difference in _differences(reference[key], other[key], f"{where}.{key}")
    ]
    return missing + extra + nested


def load_texts(directory: Path, languages: Tuple[str, ...]) -> Dict[str, Dict[str, Any]]:
    """Load texts for every language and check they all define the keys of the first one."""
    texts: Dict[str, Dict[str, Any]] = {}
    problems: List[str] = []
    for code in languages:
        raw = read_mapping(directory / f"{code}.yml", TextsError)
        texts[code] = {str(key): _strip(value) for key, value in raw.items()}
    reference = _shape(texts[languages[0]], "")
    for code in languages[1:]:
        for difference in _differences(reference, _shape(texts[code], "")):
            problems.append(f"texts/{code}.yml: {difference}")
    if problems:
        raise TextsError("texts differ from texts/" + languages[0] + ".yml:\n- " + "\n- ".join(problems))
    return texts


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _strip(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return str(value).strip()


class Texts:
    """Looks up and fills a text in the requested language."""

    def __init__(self, texts: Mapping[str, Mapping[str, Any]], settings: Settings) -> None:
        self._texts = texts
        self._defaults: Dict[str, Any] = {
            **settings.contacts,
            "available": ", ".join(lang.name for lang in settings.languages.values()),
        }

    @property
    def languages(self) -> Tuple[str, ...]:
        """The languages with texts."""
        return tuple(self._texts)

    def get(self, language: str, key: str, **values: Any) -> str:
        """The text `key` in `language`, with placeholders filled."""
        table = self._texts[language]
        fill = {**self._defaults, "scope": table.get("scope", ""), **values}
        return str(table[key]).format(**fill)

    def section(self, language: str, name: str) -> Mapping[str, Any]:
        """A whole section (`page`, `widget`, `telegram_commands`, `phrasebook`, `dates`, `search`)."""
        return self._texts[language][name]

    def when(self, language: str, moment: dt.datetime) -> str:
        """A moment as the person reads it, in the `dates` pattern of their language (Japan time given)."""
        dates = self.section(language, "dates")
        return str(dates["opening"]).format(
            weekday=dates["weekdays"][moment.weekday()],
            day=moment.day,
            month=dates["months"][moment.month - 1],
            hour=moment.hour,
            minute=moment.minute,
        )


@lru_cache(maxsize=1)
def get_texts() -> Texts:
    """The process-wide texts, read on first use."""
    settings = get_settings()
    return Texts(load_texts(paths.TEXTS_DIR, settings.answer_languages), settings)
