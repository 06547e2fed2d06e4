"""Japanese words from fugashi + UniDic made usable, shared by the NLU tokenizer and the FAQ search.

Kept free of Rasa so the action server's search does not load Rasa's NLU stack.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

_per_thread = threading.local()


def japanese_tagger() -> Any:
    """This thread's fugashi tagger (UniDic lite): a MeCab tagger used by two threads at once garbles tokens."""
    tagger = getattr(_per_thread, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _per_thread.tagger = fugashi.Tagger()
    return tagger


def clean_lemma(lemma: str | None, surface: str) -> str:
    """Return a usable lemma from UniDic's `lemma` field.

    UniDic gives None (or "*") for unknown words, appends the source word to
    loanwords ("ビザ-visa"), and is not NFKC-normalised (full-width digits).
    """
    if not lemma or lemma == "*":
        lemma = surface
    elif "-" in lemma:
        head, _, tail = lemma.partition("-")
        # Only strip the English gloss; keep genuine hyphenated words.
        if head and tail.isascii():
            lemma = head
    return unicodedata.normalize("NFKC", lemma).lower()


def is_punctuation(text: str) -> bool:
    """True when every character is punctuation or whitespace (emoji are kept)."""
    return all(unicodedata.category(ch)[0] in ("P", "Z") or ch.isspace() for ch in text)
