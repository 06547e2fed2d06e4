"""Read Hepburn (and common wāpuro) romaji as hiragana.

Workers who cannot type Japanese write "zangyou dai ga haraware nai". Read as
kana, that meets the readings of 残業代が払われない. English words become
nonsense kana, which is harmless: they only add n-grams no topic shares, and
the converter returns "" for text that is mostly not romaji-shaped.
"""

from __future__ import annotations

import re

_TABLE = {
    # Three letters first, then two, then one: the longest match wins.
    "kya": "きゃ", "kyu": "きゅ", "kyo": "きょ", "sha": "しゃ", "shu": "しゅ", "sho": "しょ", "shi": "し",
    "chi": "ち", "cha": "ちゃ", "chu": "ちゅ", "cho": "ちょ", "tsu": "つ", "nya": "にゃ", "nyu": "にゅ",
    "nyo": "にょ", "hya": "ひゃ", "hyu": "ひゅ", "hyo": "ひょ", "mya": "みゃ", "myu": "みゅ", "myo": "みょ",
    "rya": "りゃ", "ryu": "りゅ", "ryo": "りょ", "gya": "ぎゃ", "gyu": "ぎゅ", "gyo": "ぎょ", "bya": "びゃ",
    "byu": "びゅ", "byo": "びょ", "pya": "ぴゃ", "pyu": "ぴゅ", "pyo": "ぴょ", "sya": "しゃ", "syu": "しゅ",
    "syo": "しょ", "tya": "ちゃ", "tyu": "ちゅ", "tyo": "ちょ", "jya": "じゃ", "jyu": "じゅ", "jyo": "じょ",
    "ka": "か", "ki": "き", "ku": "く", "ke": "け", "ko": "こ", "sa": "さ", "si": "し", "su": "す", "se": "せ",
    "so": "そ", "ta": "た", "ti": "ち", "tu": "つ", "te": "て", "to": "と", "na": "な", "ni": "に", "nu": "ぬ",
    "ne": "ね", "no": "の", "ha": "は", "hi": "ひ", "fu": "ふ", "hu": "ふ", "he": "へ", "ho": "ほ", "ma": "ま",
    "mi": "み", "mu": "む", "me": "め", "mo": "も", "ya": "や", "yu": "ゆ", "yo": "よ", "ra": "ら", "ri": "り",
    "ru": "る", "re": "れ", "ro": "ろ", "wa": "わ", "wo": "を", "ga": "が", "gi": "ぎ", "gu": "ぐ", "ge": "げ",
    "go": "ご", "za": "ざ", "ji": "じ", "zi": "じ", "zu": "ず", "ze": "ぜ", "zo": "ぞ", "da": "だ", "di": "ぢ",
    "du": "づ", "de": "で", "do": "ど", "ba": "ば", "bi": "び", "bu": "ぶ", "be": "べ", "bo": "ぼ", "pa": "ぱ",
    "pi": "ぴ", "pu": "ぷ", "pe": "ぺ", "po": "ぽ", "ja": "じゃ", "ju": "じゅ", "jo": "じょ", "fa": "ふぁ",
    "a": "あ", "i": "い", "u": "う", "e": "え", "o": "お", "n": "ん",
}  # fmt: skip
_VOWEL_LONG = {"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ei", "ō": "ou"}
_WORD = re.compile(r"[a-zāīūēō']+")
# Share of letters that must convert cleanly before a text counts as romaji.
_MIN_CLEAN_SHARE = 0.9


def _word_to_kana(word: str) -> tuple[str, int]:
    """Kana for one word and the number of letters that did not convert."""
    for long, plain in _VOWEL_LONG.items():
        word = word.replace(long, plain)
    word = word.replace("'", "")
    kana, i, unconverted = [], 0, 0
    while i < len(word):
        # A doubled consonant (kitte) is a small tsu; "nn" and "n'" are ん.
        if i + 1 < len(word) and word[i] == word[i + 1] and word[i] not in "aiueon":
            kana.append("っ")
            i += 1
            continue
        if word[i] == "n" and (i + 1 == len(word) or word[i + 1] not in "aiueoy"):
            kana.append("ん")
            i += 2 if i + 1 < len(word) and word[i + 1] == "n" else 1
            continue
        for size in (3, 2, 1):
            piece = word[i : i + size]
            if piece in _TABLE and not (size == 1 and piece == "n"):
                kana.append(_TABLE[piece])
                i += size
                break
        else:
            unconverted += 1
            i += 1
    return "".join(kana), unconverted


def romaji_to_hiragana(text: str) -> str:
    """The text read as romaji, or "" when it does not look like romaji."""
    words = _WORD.findall(text.lower())
    letters = sum(len(word) for word in words)
    if not letters:
        return ""
    converted = [_word_to_kana(word) for word in words]
    unconverted = sum(bad for _, bad in converted)
    if (letters - unconverted) / letters < _MIN_CLEAN_SHARE:
        return ""
    return "".join(kana for kana, _ in converted)
