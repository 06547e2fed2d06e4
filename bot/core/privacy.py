"""Pseudonyms for personal identifiers that Soba needs to compare but must not keep.

A network address (to limit tickets per address) or a login name typed at a
failed sign-in is stored only as a keyed hash: equal inputs give equal
pseudonyms, but the table does not reveal the address, and a password typed
into the login field is not kept in clear. The key is `SOBA_PSEUDONYM_KEY`, or
a secret generated into `var/pseudonym-key` on first use (several servers
behind a load balancer share it through the environment).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from bot import paths
from bot.local_secret import local_secret

# 16 hex characters: 64 bits, plenty to tell addresses apart, short in an index.
PSEUDONYM_CHARS = 16


@lru_cache(maxsize=1)
def _key() -> bytes:
    return local_secret("SOBA_PSEUDONYM_KEY", "pseudonym-key", os.environ, paths.VAR_DIR).encode("utf-8")


def pseudonym(value: str, purpose: str) -> str:
    """A stable keyed hash of `value` for `purpose` ("origin", "login"), never the value itself."""
    digest = hmac.new(_key(), f"{purpose}\x00{value}".encode("utf-8", "surrogatepass"), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_CHARS]
