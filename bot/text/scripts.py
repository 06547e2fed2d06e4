"""Unicode scripts: which writing system a text is in, shared by the tokenizer and language detection."""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional

# Hiragana, katakana (full and half width), CJK ideographs and the iteration mark.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\u3005]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HIRAGANA = re.compile(r"[\u3040-\u309f]")

HAN = "cjk"
LATIN = "latin"
# Scripts that name one supported language, and the two that need a statistical look.
_SCRIPTS = {
    "ko": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "my": re.compile(r"[\u1000-\u109f\uaa60-\uaa7f]"),
    "km": re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]"),
    "ne": re.compile(r"[\u0900-\u097f]"),
    "mn": re.compile(r"[\u0400-\u04ff]"),
    HAN: _JAPANESE,
    LATIN: re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]"),
}
# Letters only Vietnamese writes (ă đ ơ ư and the tone-marked vowels; â ê ô are Portuguese too).
_VIETNAMESE = re.compile(r"[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)
# A Japanese sentence has particles in hiragana; a Chinese or other message with a
# Japanese labor word in katakana (パート, セクハラ) has none.
_MIN_HIRAGANA = 2


def has_japanese(text: str) -> bool:
    """True if the text contains any kana or kanji."""
    return bool(_JAPANESE.search(text))


def has_kana(text: str) -> bool:
    """True if the text contains kana."""
    return bool(_KANA.search(text))


def dominant_script(text: str) -> Optional[str]:
    """The script most of the text's letters are in: a language code where the script names one
    (ko th my km ne mn, and ja for kana-and-kanji text with hiragana in it), "cjk" for Chinese
    characters without hiragana (Chinese, or Japanese all in kanji), "latin", or None for no letters.
    """
    counts = Counter({name: len(pattern.findall(text)) for name, pattern in _SCRIPTS.items()})
    if not counts or counts.most_common(1)[0][1] == 0:
        return None
    script = counts.most_common(1)[0][0]
    if script == HAN:
        return "ja" if len(_HIRAGANA.findall(text)) >= _MIN_HIRAGANA else HAN
    return script


def has_vietnamese_letters(text: str) -> bool:
    """True if the text has a letter only Vietnamese uses."""
    return bool(_VIETNAMESE.search(text))
