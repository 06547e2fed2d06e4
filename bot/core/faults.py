"""Crash points, so the fault tests can kill a process at an exact step.

`SOBA_CRASH_AT=<point>:<n>` makes the process kill itself with SIGKILL (no
clean-up, exactly like `kill -9` or a power cut) the n-th time it reaches
`crash_point("<point>")`. Unset (always, outside the tests), a crash point
does nothing. The points, in the order a message passes them:

- `inbox.stored`: the message is in the inbox; the platform has no ack yet;
- `turn.stored`: the turn is in the tracker; its replies are not in the outbox;
- `outbox.stored`: the replies are stored and the item done; nothing sent;
- `sent`: the platform took the replies; they are not marked sent yet;
- `action.done` (action server): an action ran and wrote to the database;
  Rasa has not had its answer.
"""

from __future__ import annotations

import os
import signal
from typing import Dict, Optional, Tuple

_counts: Dict[str, int] = {}
_target: Optional[Tuple[str, int]] = None
_read = False


def _configured() -> Optional[Tuple[str, int]]:
    global _read, _target
    if not _read:
        spec = os.environ.get("SOBA_CRASH_AT", "")
        point, _, nth = spec.partition(":")
        _target = (point, int(nth or "1")) if point else None
        _read = True
    return _target


def crash_point(name: str) -> None:
    """Die here, at once, if SOBA_CRASH_AT names this point and its count is reached."""
    target = _configured()
    if target is None or target[0] != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] == target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
