"""Rate limits per conversation and per network address, with crisis always let through.

A message costs the sender nothing and Soba a turn of CPU; without a limit
one browser tab could keep the server busy for minutes and slow everyone
else (security review M5). Each key gets a token bucket: `burst` messages at
once, refilled at `per_minute`. A message over the limit is not dropped: the
channel tells the client to send it again later (the widget keeps it queued)
or answers 429 (REST). A message that contains a crisis phrase is never
limited.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

from bot import paths
from bot.nlu.crisis_guard import PhraseMatcher

# Buckets kept in memory per process; the least recently used are forgotten
# first (a forgotten bucket is a full one, so this only ever errs towards letting through).
_MAX_KEYS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key: `check(key)` is 0 when allowed, else the seconds to wait."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, key: str) -> float:
        """Take one message from `key`'s bucket; 0.0 if allowed, else how long until it would be."""
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > _MAX_KEYS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._rate if self._rate > 0 else float("inf")


class MessageLimits:
    """The limits a channel applies to each message: per conversation, then per address."""

    def __init__(self, conversation: RateLimiter, address: RateLimiter, crisis: PhraseMatcher) -> None:
        self._conversation = conversation
        self._address = address
        self._crisis = crisis

    @classmethod
    def from_settings(cls) -> MessageLimits:
        """The limits in settings.yml (`limits:`) and the crisis phrases of config.yml."""
        from bot.settings import get_settings

        limits = get_settings().limits
        return cls(
            RateLimiter(limits.conversation_per_minute, limits.conversation_burst),
            RateLimiter(limits.address_per_minute, limits.address_burst),
            PhraseMatcher.from_config(paths.RASA_CONFIG),
        )

    def wait(self, conversation_id: str, origin: Optional[str], text: object) -> float:
        """0.0 if the message may go now, else the seconds the client should wait before sending it again."""
        if isinstance(text, str) and self._crisis.matches(text):
            return 0.0
        wait = self._conversation.check(conversation_id)
        if wait == 0.0 and origin:
            wait = self._address.check(origin)
        return wait
