"""Languages: choosing one (aliases, the menu's payload) and telling one by its script."""

from __future__ import annotations

import json
import unicodedata
from typing import Iterable, Mapping

from bot.settings import EASY_JAPANESE as _EASY_JAPANESE
from bot.settings import Language
from bot.text.scripts import HAN, LATIN, dominant_script, has_vietnamese_letters


def detect_language(text: str, supported: Iterable[str]) -> str | None:
    """The language of `text` by its script alone, or None when the text cannot tell.

    For places outside a turn (the FAQ search box, an old transcript line);
    a turn's language comes from the NLU pipeline's detector, which also reads
    Latin-script and kanji-only text statistically (bot/nlu/language_detector.py).
    Button payloads ("/intent{...}"), emoji, numbers and punctuation say nothing
    about the language.
    """
    supported = tuple(supported)
    text = text.strip()
    if not text or text.startswith("/"):
        return None
    script = dominant_script(text)
    if script == HAN:
        script = "ja"
    elif script == LATIN:
        script = "vi" if has_vietnamese_letters(text) else "en"
    return script if script in supported else None


LANGUAGE_ENTITY = "language"
EASY_JAPANESE = _EASY_JAPANESE


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
