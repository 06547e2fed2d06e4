"""Soba's own words per language (texts/<code>.yml), filled from settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping

from bot import paths
from bot.settings import Settings, get_settings
from bot.yaml_files import read_mapping


class TextsError(ValueError):
    """A texts file is missing, malformed, or lacks a key another language has."""


def load_texts(directory: Path, languages: tuple[str, ...]) -> Dict[str, Dict[str, str]]:
    """Load texts for every language and check they all define the same keys."""
    texts: Dict[str, Dict[str, str]] = {}
    for code in languages:
        raw = read_mapping(directory / f"{code}.yml", TextsError)
        texts[code] = {str(key): str(value).strip() for key, value in raw.items()}
    reference = languages[0]
    for code in languages[1:]:
        missing = set(texts[reference]) ^ set(texts[code])
        if missing:
            raise TextsError(f"texts/{code}.yml and texts/{reference}.yml differ in keys: {sorted(missing)}")
    return texts


class Texts:
    """Looks up and fills a text in the requested language."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]], settings: Settings) -> None:
        self._texts = texts
        self._defaults: Dict[str, Any] = {
            **settings.contacts,
            "available": ", ".join(lang.name for lang in settings.languages.values()),
        }

    def get(self, language: str, key: str, **values: Any) -> str:
        """The text `key` in `language`, with placeholders filled."""
        table = self._texts[language]
        fill = {**self._defaults, "scope": table.get("scope", ""), **values}
        return table[key].format(**fill)


@lru_cache(maxsize=1)
def get_texts() -> Texts:
    """The process-wide texts, read on first use."""
    settings = get_settings()
    return Texts(load_texts(paths.TEXTS_DIR, settings.language_codes), settings)
