"""What every channel does to an incoming message before NLU.

- No text to understand (empty, whitespace only, a sticker or image, not a
  string at all) becomes the `/no_text` intent: Soba asks the person to type
  their question and opens no ticket.
- Over-long text is cut to its head and tail (the question or a cry for help
  is often at the end of a long story), so a turn stays fast; the metadata
  says so and the person is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

from bot.turn import TRUNCATED_METADATA

NO_TEXT_PAYLOAD = "/no_text"
_JOIN = "\n…\n"


@dataclass(frozen=True)
class Incoming:
    """The text handed to Rasa and the metadata to add."""

    text: str
    metadata: Dict[str, Any]


def prepare(raw: Any, max_chars: int) -> Incoming:
    """Turn a channel's raw message into text for Rasa."""
    if not isinstance(raw, str) or not raw.strip():
        return Incoming(NO_TEXT_PAYLOAD, {})
    text = raw.strip()
    if len(text) <= max_chars:
        return Incoming(text, {})
    keep = (max_chars - len(_JOIN)) // 2
    return Incoming(text[:keep] + _JOIN + text[-keep:], {TRUNCATED_METADATA: True})
