"""Japan's 47 prefectures, and finding one named in a person's message.

Offices (offices.yml) cover regions by their Japanese name; a person may
write 神奈川, かながわ, Kanagawa or 神奈川県, so each prefecture is known by
its kanji name without 都/道/府/県, its reading and its romaji.
"""

from __future__ import annotations

import unicodedata
from typing import Dict, Optional, Tuple

# (official name, reading, romaji) — the official name is what offices.yml uses.
PREFECTURES: Tuple[Tuple[str, str, str], ...] = (
    ("北海道", "ほっかいどう", "hokkaido"), ("青森県", "あおもり", "aomori"), ("岩手県", "いわて", "iwate"),
    ("宮城県", "みやぎ", "miyagi"), ("秋田県", "あきた", "akita"), ("山形県", "やまがた", "yamagata"),
    ("福島県", "ふくしま", "fukushima"), ("茨城県", "いばらき", "ibaraki"), ("栃木県", "とちぎ", "tochigi"),
    ("群馬県", "ぐんま", "gunma"), ("埼玉県", "さいたま", "saitama"), ("千葉県", "ちば", "chiba"),
    ("東京都", "とうきょう", "tokyo"), ("神奈川県", "かながわ", "kanagawa"), ("新潟県", "にいがた", "niigata"),
    ("富山県", "とやま", "toyama"), ("石川県", "いしかわ", "ishikawa"), ("福井県", "ふくい", "fukui"),
    ("山梨県", "やまなし", "yamanashi"), ("長野県", "ながの", "nagano"), ("岐阜県", "ぎふ", "gifu"),
    ("静岡県", "しずおか", "shizuoka"), ("愛知県", "あいち", "aichi"), ("三重県", "みえ", "mie"),
    ("滋賀県", "しが", "shiga"), ("京都府", "きょうと", "kyoto"), ("大阪府", "おおさか", "osaka"),
    ("兵庫県", "ひょうご", "hyogo"), ("奈良県", "なら", "nara"), ("和歌山県", "わかやま", "wakayama"),
    ("鳥取県", "とっとり", "tottori"), ("島根県", "しまね", "shimane"), ("岡山県", "おかやま", "okayama"),
    ("広島県", "ひろしま", "hiroshima"), ("山口県", "やまぐち", "yamaguchi"), ("徳島県", "とくしま", "tokushima"),
    ("香川県", "かがわ", "kagawa"), ("愛媛県", "えひめ", "ehime"), ("高知県", "こうち", "kochi"),
    ("福岡県", "ふくおか", "fukuoka"), ("佐賀県", "さが", "saga"), ("長崎県", "ながさき", "nagasaki"),
    ("熊本県", "くまもと", "kumamoto"), ("大分県", "おおいた", "oita"), ("宮崎県", "みやざき", "miyazaki"),
    ("鹿児島県", "かごしま", "kagoshima"), ("沖縄県", "おきなわ", "okinawa"),
)  # fmt: skip


def _names() -> Dict[str, str]:
    """Every way of writing a prefecture → its official name, longest first."""
    names: Dict[str, str] = {}
    for official, reading, romaji in PREFECTURES:
        short = official if official == "北海道" else official[:-1]
        for name in (official, short, reading, romaji):
            names[name] = official
    return dict(sorted(names.items(), key=lambda item: -len(item[0])))


_NAMES = _names()
# Short names that are also common words or parts of other names; only matched whole.
_AMBIGUOUS = {"さが", "なら", "ちば", "みえ", "しが", "ぎふ", "こうち", "saga", "nara", "mie", "shiga"}


def find_region(text: str) -> Optional[str]:
    """The prefecture `text` names (official name), or None."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    for name, official in _NAMES.items():
        if name in _AMBIGUOUS:
            if folded.strip("。.!！ ") in (name, name + "です", name + "けん"):
                return official
        elif name in folded:
            return official
    return None
