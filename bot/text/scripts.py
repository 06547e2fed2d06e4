"""Unicode script tests shared by the tokenizer and language detection."""

import re

# Hiragana, katakana (full and half width), CJK ideographs and the iteration mark.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\u3005]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


def has_japanese(text: str) -> bool:
    """True if the text contains any kana or kanji."""
    return bool(_JAPANESE.search(text))


def has_kana(text: str) -> bool:
    """True if the text contains kana, which only Japanese uses."""
    return bool(_KANA.search(text))
