"""The token that Rasa's HTTP API requires (`/model/parse`, `/conversations/...`).

Without it anyone who can reach the server could read a worker's whole
conversation. `SOBA_RASA_TOKEN` wins; otherwise a random token is generated on
first run and kept in `var/rasa-token` (not in git, readable by the owner
only). Channel webhooks do not need it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

from bot import paths

TOKEN_FILE = "rasa-token"


def rasa_api_token(env: Mapping[str, str] | None = None, var_dir: Path = paths.VAR_DIR) -> str:
    """`SOBA_RASA_TOKEN`, else the token kept in `var/rasa-token` (created if missing)."""
    env = os.environ if env is None else env
    if env.get("SOBA_RASA_TOKEN"):
        return env["SOBA_RASA_TOKEN"]
    path = var_dir / TOKEN_FILE
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    # Created with owner-only permissions before the secret is written to it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token
