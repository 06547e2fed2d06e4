"""Read a YAML file that must hold a mapping, with one clear error if it does not."""

from pathlib import Path
from typing import Any, Dict, Type

import yaml


def read_mapping(path: Path, error: Type[Exception]) -> Dict[str, Any]:
    """The mapping in `path`; raises `error` naming the file on any problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as problem:  # ValueError: an impossible date such as 2026-13-01
        raise error(f"cannot read {path}: {problem}") from problem
    if not isinstance(raw, dict):
        raise error(f"{path} must hold a mapping")
    return raw
