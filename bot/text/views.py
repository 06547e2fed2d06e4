"""Three views of a message for the linear classifier.

- characters: NFKC, lower case, katakana folded to hiragana, so that カイコ and
  かいこ, ＯＴ and ot share n-grams; robust to typos and unknown words;
- lemmas: fugashi's dictionary forms (解雇された ~ 解雇する), word uni- and bigrams;
- readings: the hiragana reading of every Japanese token, so 解雇 (かいこ)
  meets a worker who typed かいこ or kaiko (romaji is read as kana too).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, List, Sequence

from bot.text.romaji import romaji_to_hiragana

_KATAKANA = re.compile(r"[\u30a1-\u30f6]")


def to_hiragana(text: str) -> str:
    """Fold katakana to hiragana (ー and other marks are kept)."""
    return _KATAKANA.sub(lambda match: chr(ord(match.group(0)) - 0x60), text)


def normalize(text: str) -> str:
    """NFKC, lower case, hiragana, single spaces."""
    folded = to_hiragana(unicodedata.normalize("NFKC", text).lower())
    return " ".join(folded.split())


# Dots that trail off ("…", "...", "。。。", "・・・") say nothing about the
# topic, and Soba's own truncation mark is one: read as a space, so they never
# tip a message towards crisis (security review M4).
_TRAILING_DOTS = re.compile(r"(?:\.{2,}|。{2,}|・{2,}|…+)")

# A space between two Japanese characters: learners of Japanese often write
# 「かいしゃ　やすみ　おかね」, natives write かいしゃやすみおかね.
_SPACE_IN_JAPANESE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


def character_view(text: str) -> str:
    """The text for character n-grams, spaces inside Japanese removed, trailing dots dropped."""
    return _SPACE_IN_JAPANESE.sub("", normalize(_TRAILING_DOTS.sub(" ", unicodedata.normalize("NFKC", text))))


def lemma_view(lemmas: Sequence[str]) -> str:
    """Space-joined, normalised lemmas for word n-grams."""
    return " ".join(normalize(lemma).replace(" ", "_") for lemma in lemmas if lemma.strip())


def reading_view(readings: Iterable[str | None], text: str) -> str:
    """Hiragana readings of the Japanese tokens, or the romaji words read as kana.

    Readings are joined without spaces so their character n-grams cross token
    boundaries the way a worker's all-hiragana spelling does.
    """
    kana = "".join(to_hiragana(reading) for reading in readings if reading and reading != "*")
    if kana:
        return kana
    return romaji_to_hiragana(normalize(text))


def views(text: str, lemmas: List[str], readings: List[str | None]) -> tuple[str, str, str]:
    """(characters, lemmas, readings) for one message."""
    return character_view(text), lemma_view(lemmas), reading_view(readings, text)
