"""Language of a message: script rules first, restricted to supported languages.

The multilingual issue adds a statistical detector behind the script rules; the
contract stays `detect_language(text, supported) -> code | None`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Iterable, Mapping

from bot.settings import Language
from bot.text.scripts import has_japanese

_LATIN_LETTER = re.compile(r"[A-Za-z]")


def detect_language(text: str, supported: Iterable[str]) -> str | None:
    """Return the language code of `text`, or None when the text cannot tell.

    Button payloads ("/intent{...}"), emoji, numbers and punctuation say nothing
    about the language, so the caller keeps the conversation's language then.
    """
    supported = tuple(supported)
    text = text.strip()
    if not text or text.startswith("/"):
        return None
    if has_japanese(text) and "ja" in supported:
        return "ja"
    if _LATIN_LETTER.search(text) and "en" in supported:
        return "en"
    return None


LANGUAGE_ENTITY = "language"


def choose_language_payload(code: str) -> str:
    """The button payload that switches the conversation to `code` (every channel's menu uses it)."""
    return "/choose_language" + json.dumps({LANGUAGE_ENTITY: code}, separators=(",", ":"))


def chosen_language(text: str, languages: Mapping[str, Language]) -> str | None:
    """The language a choose_language message names ("英語で", "Japanese please", a menu payload)."""
    if text.startswith("/choose_language{"):
        try:
            code = json.loads(text[len("/choose_language") :]).get(LANGUAGE_ENTITY)
        except (ValueError, AttributeError):
            code = None
        return code if code in languages else None
    folded = unicodedata.normalize("NFKC", text).casefold()
    for code, language in languages.items():
        if any(alias.casefold() in folded for alias in language.aliases):
            return code
    return None
