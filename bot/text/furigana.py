"""Readings (furigana) for Japanese text: `<ruby>漢字<rt>かんじ</rt></ruby>`, or 漢字(かんじ) in plain text.

やさしい日本語 answers carry a reading on every word written with kanji. The
readings come from fugashi + UniDic (the tokenizer the NLU uses); terms
UniDic reads wrongly, or splits so that the reading is wrong for the term as
a whole (36協定, 在留カード), are in `readings.yml` next to this module. The
widget and the FAQ pages render the ruby markup; LINE and Telegram show text,
so their channels write the reading in parentheses after the word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List, Mapping, Tuple

from bot.text.japanese_words import japanese_tagger
from bot.text.views import to_hiragana
from bot.yaml_files import read_mapping

READINGS_FILE = Path(__file__).with_name("readings.yml")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
_RUBY = re.compile(r"<ruby>([^<>]+)<rt>([^<>]+)</rt></ruby>")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ffー]")


@lru_cache(maxsize=1)
def overrides() -> Mapping[str, str]:
    """Term → reading (hiragana, katakana where the term is written in katakana), longest terms first."""
    raw = read_mapping(READINGS_FILE, ValueError).get("readings") or {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError(f"{READINGS_FILE.name}: 'readings' must map terms to readings")
    return dict(sorted(raw.items(), key=lambda item: -len(item[0])))


def ruby(surface: str, reading: str) -> str:
    """`surface` with its reading as ruby on the kanji part only: 働く/はたらく → <ruby>働<rt>はたら</rt></ruby>く."""
    if not _KANJI.search(surface) or not reading:
        return surface
    head = 0
    while (
        head < len(surface) - 1
        and head < len(reading)
        and _KANA.fullmatch(surface[head])
        and to_hiragana(surface[head]) == to_hiragana(reading[head])
    ):
        head += 1
    tail = 0
    while (
        tail < len(surface) - head - 1
        and tail < len(reading) - head - 1
        and _KANA.fullmatch(surface[-1 - tail])
        and to_hiragana(surface[-1 - tail]) == to_hiragana(reading[-1 - tail])
    ):
        tail += 1
    base = surface[head : len(surface) - tail]
    said = reading[head : len(reading) - tail]
    return f"{surface[:head]}<ruby>{base}<rt>{said}</rt></ruby>{surface[len(surface) - tail :]}"


def _tagged(text: str) -> str:
    """Readings from UniDic for every word with kanji (spaces around the text kept)."""
    core = text.strip()
    if not core:
        return text
    out: List[str] = [text[: len(text) - len(text.lstrip())]]
    for word in japanese_tagger()(core):
        out.append(word.white_space)
        kana = getattr(word.feature, "kana", None)
        reading = to_hiragana(kana) if kana and kana != "*" else ""
        out.append(ruby(word.surface, reading) if reading else word.surface)
    out.append(text[len(text.rstrip()) :])
    return "".join(out)


def _segments(text: str, terms: Mapping[str, str]) -> List[Tuple[str, str | None]]:
    """`text` cut into (piece, reading) where a piece is an override term, (piece, None) elsewhere."""
    if not terms:
        return [(text, None)]
    pattern = re.compile("|".join(re.escape(term) for term in terms))
    pieces: List[Tuple[str, str | None]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], None))
        pieces.append((match.group(0), terms[match.group(0)]))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def with_readings(text: str) -> str:
    """`text` with ruby readings on its kanji words; text already marked up, and web addresses, are left as they are."""
    if not _KANJI.search(text) or "<ruby>" in text:
        return text
    parts: List[str] = []
    for chunk in re.split(r"(https?://\S+)", text):
        if chunk.startswith(("http://", "https://")):
            parts.append(chunk)
            continue
        for piece, reading in _segments(chunk, overrides()):
            parts.append(ruby(piece, reading) if reading else _tagged(piece))
    return "".join(parts)


def in_parentheses(text: str) -> str:
    """Ruby markup as plain text for channels without ruby: <ruby>残業<rt>ざんぎょう</rt></ruby> → 残業(ざんぎょう)."""
    return _RUBY.sub(lambda match: f"{match.group(1)}({match.group(2)})", text)


def without_readings(text: str) -> str:
    """Ruby markup dropped, the kanji kept: for readers who need no furigana (the console)."""
    return _RUBY.sub(lambda match: match.group(1), text)


def reading_of(text: str) -> str:
    """The text as read aloud where it carries readings (for checks): each ruby replaced by its reading."""
    return _RUBY.sub(lambda match: match.group(2), text)
