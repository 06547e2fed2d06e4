"""Soba's settings: `settings.yml`, with single values overridable by SOBA_* env vars.

Read once per process through `get_settings()`; the object is frozen so that
no code path can change a threshold or a port behind another one's back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Tuple

from bot import paths
from bot.yaml_files import read_mapping


class SettingsError(ValueError):
    """settings.yml or an override is missing or malformed."""


@dataclass(frozen=True)
class Language:
    """A supported language of conversation."""

    code: str
    name: str
    aliases: Tuple[str, ...]


@dataclass(frozen=True)
class OfficeHours:
    """When counselors answer tickets, as told to the person."""

    weekdays: str
    open: str
    close: str
    reply_within_business_days: int


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Soba, validated at load time."""

    languages: Mapping[str, Language]
    default_language: str
    faq_answer_threshold: float
    closest_topics: int
    rasa_port: int
    action_port: int
    database_url: str
    contacts: Mapping[str, str]
    office_hours: OfficeHours

    @property
    def language_codes(self) -> Tuple[str, ...]:
        """Supported language codes in their configured order."""
        return tuple(self.languages)


def _require(raw: Mapping[str, Any], key: str) -> Any:
    if key not in raw:
        raise SettingsError(f"settings: '{key}' is missing")
    return raw[key]


def _resolve_database_url(url: str, root: Path) -> str:
    """Make a relative SQLite path absolute, so every process finds one file."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        relative = url[len(prefix) :]
        if relative and relative != ":memory:":
            return prefix + str((root / relative).resolve())
    return url


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    root: Path = paths.ROOT,
) -> Settings:
    """Read settings from `path` (default settings.yml) and apply env overrides."""
    env = os.environ if env is None else env
    path = path or Path(env.get("SOBA_SETTINGS", paths.SETTINGS_FILE))
    raw = read_mapping(path, SettingsError)

    languages = {
        code: Language(code=code, name=str(spec["name"]), aliases=tuple(spec.get("aliases", ())))
        for code, spec in _require(raw, "languages").items()
    }
    default_language = str(_require(raw, "default_language"))
    if default_language not in languages:
        raise SettingsError(f"default_language '{default_language}' is not in languages")

    ports = _require(raw, "ports")
    hours = _require(raw, "office_hours")
    try:
        threshold = float(env.get("SOBA_FAQ_ANSWER_THRESHOLD", _require(raw, "faq_answer_threshold")))
        rasa_port = int(env.get("SOBA_RASA_PORT", ports["rasa"]))
        action_port = int(env.get("SOBA_ACTION_PORT", ports["actions"]))
    except (TypeError, ValueError, KeyError) as error:
        raise SettingsError(f"bad number in settings: {error}") from error
    if not 0.0 <= threshold <= 1.0:
        raise SettingsError(f"faq_answer_threshold must be within 0..1, got {threshold}")

    return Settings(
        languages=languages,
        default_language=default_language,
        faq_answer_threshold=threshold,
        closest_topics=int(_require(raw, "closest_topics")),
        rasa_port=rasa_port,
        action_port=action_port,
        database_url=_resolve_database_url(env.get("SOBA_DATABASE_URL", str(_require(raw, "database_url"))), root),
        contacts={key: str(value) for key, value in _require(raw, "contacts").items()},
        office_hours=OfficeHours(
            weekdays=str(hours["weekdays"]),
            open=str(hours["open"]),
            close=str(hours["close"]),
            reply_within_business_days=int(hours["reply_within_business_days"]),
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
