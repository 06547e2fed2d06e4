"""The channels the Rasa server starts with: credentials.yml minus those whose secrets are unset.

credentials.yml documents every channel with `${ENV}` secrets. Rasa refuses
to start if any variable is missing, but a fresh `make run` has no LINE or
Telegram account yet; so each channel whose variables are not all set is left
out of the file Rasa reads, and the log says which and why.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

from bot import paths

logger = logging.getLogger(__name__)

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CredentialsError(ValueError):
    """credentials.yml cannot be read."""


def _variables(value: Any) -> List[str]:
    if isinstance(value, str):
        return _VARIABLE.findall(value)
    if isinstance(value, dict):
        return [name for item in value.values() for name in _variables(item)]
    if isinstance(value, list):
        return [name for item in value for name in _variables(item)]
    return []


def enabled_channels(
    env: Mapping[str, str], source: Path = paths.CREDENTIALS_FILE
) -> Tuple[Dict[str, Any], Dict[str, List[str]]]:
    """Channels whose `${ENV}` variables are all set, and the others with what they miss."""
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CredentialsError(f"{source}: {error}") from error
    if not isinstance(raw, dict):
        raise CredentialsError(f"{source}: expected a mapping of channel -> settings")
    enabled: Dict[str, Any] = {}
    disabled: Dict[str, List[str]] = {}
    for channel, config in raw.items():
        missing = sorted({name for name in _variables(config) if not env.get(name)})
        if missing:
            disabled[channel] = missing
        else:
            enabled[channel] = config
    return enabled, disabled


def write_effective_credentials(env: Mapping[str, str], target: Path, source: Path = paths.CREDENTIALS_FILE) -> Path:
    """Write the enabled channels to `target` (Rasa fills the `${ENV}` values itself)."""
    enabled, disabled = enabled_channels(env, source)
    for channel, missing in disabled.items():
        logger.warning("Channel %s is off: set %s to enable it (see the README).", channel, ", ".join(missing))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(enabled, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
