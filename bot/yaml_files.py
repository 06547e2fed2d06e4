"""Read YAML: fast (libyaml when PyYAML has it), and a file that must hold a mapping with one clear error."""

from pathlib import Path
from typing import Any, Dict, Type

import yaml

# The knowledge base and training data are large (15 languages); libyaml reads
# them about ten times faster than the pure-Python loader, with the same result.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """`text` parsed as YAML with the safe loader (raises yaml.YAMLError or ValueError)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


def read_mapping(path: Path, error: Type[Exception]) -> Dict[str, Any]:
    """The mapping in `path`; raises `error` naming the file on any problem."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as problem:  # ValueError: an impossible date such as 2026-13-01
        raise error(f"cannot read {path}: {problem}") from problem
    if not isinstance(raw, dict):
        raise error(f"{path} must hold a mapping")
    return raw
