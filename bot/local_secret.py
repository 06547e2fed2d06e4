"""Secrets Soba makes for itself on first run, kept in `var/` (not in git, owner-only)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping


def local_secret(env_var: str, file_name: str, env: Mapping[str, str], var_dir: Path, nbytes: int = 32) -> str:
    """`env[env_var]` if set, else the secret in `var_dir/file_name`, generated there on first use.

    Several processes behind a load balancer must share one value: they set
    the environment variable; a single machine can rely on the file.
    """
    if env.get(env_var):
        return env[env_var]
    path = var_dir / file_name
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    # Created with owner-only permissions before the secret is written to it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
