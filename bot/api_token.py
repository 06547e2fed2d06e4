"""The token that Rasa's HTTP API requires (`/model/parse`, `/conversations/...`).

Without it anyone who can reach the server could read a worker's whole
conversation. `SOBA_RASA_TOKEN` wins; otherwise a random token is generated on
first run and kept in `var/rasa-token` (not in git, readable by the owner
only). Channel webhooks do not need it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from bot import paths
from bot.local_secret import local_secret

TOKEN_FILE = "rasa-token"
ACTION_TOKEN_FILE = "action-token"


def rasa_api_token(env: Mapping[str, str] | None = None, var_dir: Path = paths.VAR_DIR) -> str:
    """`SOBA_RASA_TOKEN`, else the token kept in `var/rasa-token` (created if missing)."""
    return local_secret("SOBA_RASA_TOKEN", TOKEN_FILE, os.environ if env is None else env, var_dir)


def action_server_token(env: Mapping[str, str] | None = None, var_dir: Path = paths.VAR_DIR) -> str:
    """The secret the Rasa server sends to the action server: `SOBA_ACTION_TOKEN`, else `var/action-token`."""
    return local_secret("SOBA_ACTION_TOKEN", ACTION_TOKEN_FILE, os.environ if env is None else env, var_dir)
