"""Tell a cited number (Art. 24, Điều 24, 제24조, 24 дүгээр зүйл) from a figure.

Answers may write the numbers of articles, paragraphs, items and dates by
hand; every other number must come from figures.yml. Each language names the
words it writes next to an article number in texts/<code>.yml
(`law.article_words`); the union of all of them is used for every answer,
because translations also quote Japanese and English citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Tuple

from bot.texts import Texts

# One cited number: 24, 30-2, 30の2, 143(3), ３６.
_NUMBER = r"\(?\d+\)?(?:\s*[-–の之의]\s*\d+)*(?:\s*\((?:\d+|[ivx]+)\))*"
# Numbers listed after a cited one ("Arts. 34, 35 and 36", "Điều 34 và 35"):
# separated by punctuation or by one short word.
_NUMBERS = rf"{_NUMBER}(?:\s*(?:[,、，;/～〜~–・၊-]|\s[^\s\d.,;。]{{1,8}}\s)\s*{_NUMBER})*"
# Japanese law numbering joins numbers with hyphens (Art. 30-3, Rule 10-15):
# such a number is a citation in any language. Figures never need one, as a
# range is written with two {figures}; a phone number (0120-811-610) starts
# with 0 and is still reported.
_HYPHENATED = r"(?<![\d{-])[1-9]\d{0,2}(?:-\d{1,3})+(?![\d}-])"
_HYPHENATED_PATTERN = re.compile(_HYPHENATED)
# English items: Art. 78(iv) is 第78条第4号.
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
# A year, and the day and month numbers written within a few characters of it
# (2020년 4월 1일, ngày 1 tháng 4 năm 2020, 1 de abril de 2020).
_YEAR = r"(?<!\d)(?:19|20)\d{2}(?!\d)"
_DATE = re.compile(
    rf"(?:(?<!\d)\d{{1,2}}(?:[^\d.。!?,;，、]{{1,20}}|,\s*)){{0,2}}{_YEAR}"
    rf"(?:[^\d.。!?,;]{{1,24}}\d{{1,2}}(?!\d)){{0,3}}"
)

_SPACED_WORD = re.compile(r"[A-Za-zÀ-ɏЀ-ӿ]")


@dataclass(frozen=True)
class Citations:
    """The citation pattern built from every language's article words."""

    # Each pattern is matched on the whole text on its own, so that one
    # reading ("8-12 มาตรา" as a number before an article word) cannot hide
    # another ("มาตรา 51"). The first three are article citations, then
    # hyphenated numbers, dates and era years.
    patterns: Tuple[re.Pattern, ...]

    @classmethod
    def from_texts(cls, texts: Texts) -> Citations:
        """The citations of every language in the registry (texts/<code>.yml `law`)."""
        laws = [texts.section(code, "law") for code in texts.languages]
        return cls.from_words(
            (word for law in laws for word in law["article_words"]),
            (word for law in laws for word in law["era_words"]),
        )

    @classmethod
    def from_words(cls, words: Iterable[str], eras: Iterable[str] = ()) -> Citations:
        """Citations written with any of `words` before or after the number; years after any of `eras`."""
        unique = sorted({word.strip() for word in words if word.strip()}, key=len, reverse=True)
        if not unique:
            raise ValueError("no article words: texts/<code>.yml law.article_words is empty everywhere")
        # A Latin or Cyrillic word starts a word ("art." not in "heart. 5");
        # Thai, Burmese and Khmer write words without spaces between them.
        alternatives = "|".join(
            rf"(?<!\w){re.escape(word)}" if _SPACED_WORD.match(word) else re.escape(word) for word in unique
        )
        ends = "|".join(re.escape(word) for word in unique)
        era_names = "|".join(re.escape(era) for era in ("昭和", "平成", "令和", *eras))
        # 第49条之3, 제49조의3: a sub-article number after the article word.
        sub = r"\s*[之의の]\s*\d+"
        # Tried first at every position: only where a digit follows soon is
        # the long list of words worth trying (ten times faster).
        longest = max(len(word) for word in unique)
        near_number = rf"(?=\D{{0,{longest + 3}}}\d)"
        return cls(
            (
                re.compile(rf"(?:{near_number}(?:{alternatives})\s*)?{_NUMBER}\s*(?:{ends})(?:{sub})+"),
                re.compile(rf"{near_number}(?:{alternatives})\s*{_NUMBERS}"),
                re.compile(rf"{_NUMBERS}\s*(?:{ends})"),
                _HYPHENATED_PATTERN,
                _DATE,
                re.compile(rf"(?:{era_names})\s*\d{{1,2}}(?!\d)(?:\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?)?)?"),
            )
        )

    def names_a_provision(self, text: str) -> bool:
        """Whether `text` cites an article, paragraph or item by its number."""
        return any(pattern.search(text) for pattern in self.patterns[:3])

    def cited_numbers(self, text: str) -> Tuple[str, ...]:
        """The article, paragraph and item numbers `text` cites, written the same in every language.

        第30条の3, 제30조의3, 第30条之3, Art. 30-3 and Điều 30-3 all give "30-3";
        Art. 143(3) and 第143条第3項 both give "143" and "3". Dates and era
        years are not citations.
        """
        dates = [match.span() for pattern in self.patterns[4:] for match in pattern.finditer(text)]
        spans = sorted(
            match.span()
            for pattern in (*self.patterns[:3], _HYPHENATED_PATTERN)
            for match in pattern.finditer(text)
            if not any(start <= match.start() < end for start, end in dates)
        )
        merged: List[List[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        found = []
        for start, end in merged:
            joined = re.sub(r"(\d)\s*(?:条|조)?\s*[の之의]\s*(?=\d)", r"\1-", text[start:end])
            joined = re.sub(r"\(([ivx]+)\)", lambda item: f"({_ROMAN.index(item.group(1)) + 1})", joined)
            found += [number for number in re.findall(r"\d+(?:-\d+)*", joined) if not re.fullmatch(_YEAR, number)]
        return tuple(sorted(set(found)))

    def without_citations(self, text: str) -> str:
        """`text` with its cited numbers and dates blanked out."""
        spans = sorted(match.span() for pattern in self.patterns for match in pattern.finditer(text))
        parts, position = [], 0
        for start, end in spans:
            if end > position:
                parts += [text[position : max(start, position)], " " * (end - max(start, position))]
                position = end
        return "".join(parts) + text[position:]
