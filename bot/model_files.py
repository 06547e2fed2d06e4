"""Which trained model matches the current data and config.

A model's file name carries a fingerprint of everything that shapes it
(config, domain, training data, our NLU components, Rasa and dictionary
versions), so "is there a current model?" is a file lookup and a changed
training file always means a retrain.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path
from typing import Iterable

from bot import paths

MODEL_PREFIX = "soba-"
MODEL_SUFFIX = ".tar.gz"


def _inputs(root: Path) -> Iterable[Path]:
    yield root / "config.yml"
    yield root / "domain.yml"
    yield from sorted(p for p in (root / "data").rglob("*") if p.is_file())
    yield from sorted((root / "bot" / "nlu").glob("*.py"))
    # The text views the components read (scripts, romaji, Japanese words, normalisation).
    yield from sorted((root / "bot" / "text").glob("*.py"))
    # Topic ids and intent names the components emit.
    yield root / "bot" / "topics.py"
    yield root / "bot" / "core" / "contract.py"


def fingerprint(root: Path = paths.ROOT) -> str:
    """A short hash of every input that shapes the trained model."""
    digest = hashlib.sha256()
    for package in ("rasa", "unidic-lite", "fugashi", "spacy"):
        digest.update(f"{package}=={version(package)}\n".encode())
    for path in _inputs(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path = paths.MODELS_DIR, root: Path = paths.ROOT) -> Path:
    """Where the model for the current inputs is (or will be) stored."""
    return models_dir / f"{MODEL_PREFIX}{fingerprint(root)}{MODEL_SUFFIX}"
