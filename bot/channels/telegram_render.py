"""Rasa bot messages as Telegram messages: plain text, buttons as an inline keyboard.

Text is sent without `parse_mode`, so nothing in an answer or in a person's
words can turn into markup or a broken entity; Telegram links URLs in plain
text by itself; furigana (ruby markup in やさしい日本語 answers) is written as
漢字(かんじ). Buttons (clarify topics, "none of these", 👍/👎, languages)
become an inline keyboard whose `callback_data` is the Rasa payload, or its
short key from `bot.channels.payloads` when the payload exceeds Telegram's
64 bytes. The `custom` object is for programs and is never shown.
"""

from __future__ import annotations

import asyncio
from typing import Any, List, Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.payloads import fits, shorten
from bot.text.furigana import in_parentheses

# Telegram's limits (Bot API reference: sendMessage, InlineKeyboardButton).
MAX_TEXT_CHARS = 4096
MAX_CALLBACK_BYTES = 64
# Buttons this short sit side by side (👍 / 👎, language names); longer ones,
# such as topic titles, get a row each so they are not cut on a phone.
_SHORT_TITLE_CHARS = 16
_MAX_BUTTONS_IN_ROW = 3
# A keyboard must hang under some text.
KEYBOARD_ONLY_TEXT = "👇"


def text_chunks(text: str, limit: int = MAX_TEXT_CHARS) -> List[str]:
    """`text` in pieces Telegram accepts, cut at a line break where one is near; furigana in parentheses."""
    text = in_parentheses(text).strip()
    chunks: List[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", limit // 2, limit)
        cut = cut if cut > 0 else limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


async def callback_data(payload: str) -> str:
    """What a button sends back for `payload`: itself, or its stored key when too long."""
    if fits(payload, MAX_CALLBACK_BYTES):
        return payload
    # Storing the key is a database write; keep it off the event loop.
    return await asyncio.to_thread(shorten, payload, MAX_CALLBACK_BYTES)


async def inline_keyboard(buttons: Sequence[Mapping[str, Any]]) -> InlineKeyboardMarkup | None:
    """Rasa buttons (`title` with `payload`, or `url`) as an inline keyboard; None if none is usable."""
    keys: List[InlineKeyboardButton] = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        if button.get("url"):
            keys.append(InlineKeyboardButton(title, url=str(button["url"])))
        elif button.get("payload"):
            keys.append(InlineKeyboardButton(title, callback_data=await callback_data(str(button["payload"]))))
    if not keys:
        return None
    short = len(keys) <= _MAX_BUTTONS_IN_ROW and all(len(key.text) <= _SHORT_TITLE_CHARS for key in keys)
    rows = [keys] if short else [[key] for key in keys]
    return InlineKeyboardMarkup(rows)
