"""Short stand-ins for button payloads that are too long for a platform.

A Rasa button payload such as `/feedback_positive{"topic":"equal_treatment_nonregular"}`
goes back to Soba when the person taps the button, but platforms cap what a
button may carry: Telegram's `callback_data` holds 64 bytes, LINE's postback
`data` 300 characters. A payload within the limit is sent as it is; a longer
one is sent as a key, and the payload is kept in the SQL database under that
key, so a tap still works after a restart or on another Rasa server.

    data = shorten(payload, max_bytes=64)   # when rendering a button
    payload = expand(data)                  # when the tap comes back; None if unknown

The key is a hash of the payload, so the same payload always gets the same key
and the table holds each distinct payload once (topics × a few intents).
"""

from __future__ import annotations

import base64
import hashlib

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.core.tables import Base, utcnow
from bot.db import session_factory
from bot.settings import get_settings

# Rasa payloads start with "/" (an intent) or are plain text, never with this.
KEY_PREFIX = "~"
# 16 bytes of SHA-256 in URL-safe base64: 22 characters, 23 with the prefix.
_DIGEST_BYTES = 16
KEY_LENGTH = len(KEY_PREFIX) + 22


class ShortPayload(Base):
    """A payload too long for a platform's button, under its key."""

    __tablename__ = "channel_payloads"

    key = sa.Column(sa.String(32), primary_key=True)
    payload = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


def payload_key(payload: str) -> str:
    """The key that stands for `payload` (the same payload, the same key)."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:_DIGEST_BYTES]
    return KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def fits(payload: str, max_bytes: int) -> bool:
    """True if `payload` can be sent as it is: within the limit and not mistakable for a key."""
    return len(payload.encode("utf-8")) <= max_bytes and not payload.startswith(KEY_PREFIX)


def shorten(payload: str, max_bytes: int, database_url: str | None = None) -> str:
    """`payload` itself if it fits in `max_bytes` (UTF-8), else its key, stored for `expand`."""
    if max_bytes < KEY_LENGTH:
        raise ValueError(f"a limit of {max_bytes} bytes cannot hold a payload key ({KEY_LENGTH} bytes)")
    if fits(payload, max_bytes):
        return payload
    key = payload_key(payload)
    url = database_url or get_settings().database_url
    if _remembered(url, key) is None:
        _store(url, key, payload)
    return key


def expand(data: str, database_url: str | None = None) -> str | None:
    """The payload `data` stands for: `data` itself unless it is a key; None for an unknown key."""
    if not data.startswith(KEY_PREFIX):
        return data
    url = database_url or get_settings().database_url
    known = _remembered(url, data)
    if known is not None:
        return known
    with session_factory(url)() as session:
        row = session.get(ShortPayload, data)
    if row is None:
        return None
    _cache[(url, data)] = str(row.payload)
    return str(row.payload)


# Keys stored or read by this process, so rendering a button costs no query
# after the first time. Payloads never change under a key (it is their hash).
_cache: dict[tuple[str, str], str] = {}


def _remembered(url: str, key: str) -> str | None:
    return _cache.get((url, key))


def _store(url: str, key: str, payload: str) -> None:
    with session_factory(url)() as session:
        session.add(ShortPayload(key=key, payload=payload))
        try:
            session.commit()
        except IntegrityError:
            # Stored before (by this or another server): same key, same payload.
            session.rollback()
    _cache[(url, key)] = payload
