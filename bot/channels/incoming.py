"""What every channel does to an incoming message before NLU.

- No text to understand (empty, whitespace only, a sticker or image, not a
  string at all) becomes the `/no_text` intent: Soba asks the person to type
  their question and opens no ticket.
- Lone UTF-16 surrogates (broken emoji from some clients) become U+FFFD, so
  the message is answered instead of failing in the tokenizer (security
  review L3).
- Over-long text is cut to its head and tail (the question or a cry for help
  is often at the end of a long story), so a turn stays fast; the metadata
  says so and the person is told. The mark between the two parts is
  `TRUNCATION_MARK`, which NLU reads as nothing (it must never look like
  distress).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict

from bot.core.contract import NO_TEXT_PAYLOAD, TRUNCATED_METADATA

TRUNCATION_MARK = "\n…\n"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Incoming:
    """The text handed to Rasa and the metadata to add."""

    text: str
    metadata: Dict[str, Any]


def clean_text(raw: str) -> str:
    """`raw` with lone surrogates replaced, so it can be encoded, stored and tokenised."""
    return _LONE_SURROGATE.sub("\ufffd", raw)


def prepare(raw: Any, max_chars: int) -> Incoming:
    """Turn a channel's raw message into text for Rasa."""
    if not isinstance(raw, str) or not raw.strip():
        return Incoming(NO_TEXT_PAYLOAD, {})
    text = clean_text(raw).strip()
    if len(text) <= max_chars:
        return Incoming(text, {})
    keep = (max_chars - len(TRUNCATION_MARK)) // 2
    return Incoming(text[:keep] + TRUNCATION_MARK + text[-keep:], {TRUNCATED_METADATA: True})
