"""The key that signs the console's session cookies.

`SOBA_CONSOLE_SECRET` wins (several console processes behind a load balancer
must share it); otherwise a random key is generated on first run into
`var/console-secret`, readable by the owner only. Changing it signs everyone out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from bot import paths
from bot.local_secret import local_secret

SECRET_FILE = "console-secret"


def console_secret(env: Mapping[str, str] | None = None, var_dir: Path = paths.VAR_DIR) -> str:
    """`SOBA_CONSOLE_SECRET`, else the key kept in `var/console-secret` (created if missing)."""
    return local_secret("SOBA_CONSOLE_SECRET", SECRET_FILE, os.environ if env is None else env, var_dir, nbytes=48)
