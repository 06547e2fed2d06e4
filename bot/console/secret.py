"""The key that signs the console's session cookies.

`SOBA_CONSOLE_SECRET` wins (several console processes behind a load balancer
must share it); otherwise a random key is generated on first run into
`var/console-secret`, readable by the owner only. Changing it signs everyone out.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

from bot import paths

SECRET_FILE = "console-secret"


def console_secret(env: Mapping[str, str] | None = None, var_dir: Path = paths.VAR_DIR) -> str:
    """`SOBA_CONSOLE_SECRET`, else the key kept in `var/console-secret` (created if missing)."""
    env = os.environ if env is None else env
    if env.get("SOBA_CONSOLE_SECRET"):
        return env["SOBA_CONSOLE_SECRET"]
    path = var_dir / SECRET_FILE
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with owner-only permissions before the key is written to it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
