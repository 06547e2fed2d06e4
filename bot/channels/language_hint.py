"""A platform's idea of the person's language, as a hint for Soba's first reply.

Telegram sends the app's `language_code` (an IETF tag: "en", "pt-br",
"zh-hans"), LINE the profile's `language`. Soba answers in the language of the
message when it can tell; the hint decides only while the conversation has
no language yet and the message cannot tell (a sticker, "👋", a button).
`bot/turn.py` reads it from the message metadata under `LANGUAGE_HINT_METADATA`.

    UserMessage(text, ..., metadata=hint_metadata("pt-br", settings.language_codes))
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable

from bot.core.contract import LANGUAGE_HINT_METADATA

_SUBTAG = re.compile(r"[-_]")


def language_hint(tag: str | None, supported: Iterable[str]) -> str | None:
    """The supported language a platform's language tag names, or None."""
    if not tag:
        return None
    primary = _SUBTAG.split(tag.strip().lower(), maxsplit=1)[0]
    return primary if primary in tuple(supported) else None


def hint_metadata(tag: str | None, supported: Iterable[str]) -> Dict[str, Any]:
    """Message metadata carrying the hint, or nothing when the tag names no supported language."""
    code = language_hint(tag, supported)
    return {LANGUAGE_HINT_METADATA: code} if code else {}
