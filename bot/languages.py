"""Languages: choosing one (aliases, the menu's payload) and telling one by its script."""

from __future__ import annotations

import json
import unicodedata
from typing import Iterable

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


def chosen_language(text: str, languages: Iterable[Language]) -> str | None:
    """The language a choose_language message names ("英語で", "Japanese please", "やさしい日本語", a menu payload).

    `languages` are what a menu offers (Settings.menu_languages). やさしい日本語's
    names contain 日本語, so the longest matching name wins.
    """
    offered = {language.code: language for language in languages}
    if text.startswith("/choose_language{"):
        try:
            code = json.loads(text[len("/choose_language") :]).get(LANGUAGE_ENTITY)
        except (ValueError, AttributeError):
            code = None
        return code if code in offered else None
    folded = unicodedata.normalize("NFKC", text).casefold()
    matches = [
        (len(alias), language.code)
        for language in offered.values()
        for alias in language.aliases
        if unicodedata.normalize("NFKC", alias).casefold() in folded
    ]
    return max(matches)[1] if matches else None
