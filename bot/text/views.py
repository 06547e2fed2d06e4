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


# Khmer, Thai and Burmese keyboards put invisible zero-width spaces between
# words; they would split a word or phrase that reads as one.
_INVISIBLE = str.maketrans("", "", "\u200b\ufeff")


def normalize(text: str) -> str:
    """NFKC, lower case, hiragana, single spaces, no zero-width spaces."""
    folded = to_hiragana(unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).lower())
    return " ".join(folded.split())


# Dots that trail off ("…", "...", "。。。", "・・・") say nothing about the
# topic, and Soba's own truncation mark is one: read as a space, so they never
# tip a message towards crisis (security review M4).
_TRAILING_DOTS = re.compile(r"(?:\.{2,}|。{2,}|・{2,}|…+)")

# A space between two Japanese (or Chinese) characters: learners of Japanese often
# write 「かいしゃ　やすみ　おかね」, natives write かいしゃやすみおかね. Only kana and
# CJK ideographs: in Korean, Vietnamese, Cyrillic or Thai a space separates words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_SPACE_IN_JAPANESE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


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
