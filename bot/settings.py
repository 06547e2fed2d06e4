"""Soba's settings: `settings.yml`, with single values overridable by SOBA_* env vars.

Read once per process through `get_settings()`; the object is frozen so that
no code path can change a threshold or a port behind another one's back.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple, Union

from bot import paths
from bot.decision import Thresholds
from bot.yaml_files import read_mapping

DEFAULT_THRESHOLDS = "default"
# やさしい日本語: Japanese written for learners, with furigana; chosen like a language, answered from
# its own texts and answers, understood as Japanese.
EASY_JAPANESE = "ja-easy"


def written_in(language: str) -> str:
    """The language a text in `language` is written in: やさしい日本語 is Japanese (a page's lang, a reader)."""
    return "ja" if language == EASY_JAPANESE else language


class SettingsError(ValueError):
    """settings.yml or an override is missing or malformed."""


@dataclass(frozen=True)
class Language:
    """A supported language of conversation."""

    code: str
    name: str
    aliases: Tuple[str, ...]
    # How much longer than English this language says the same thing, in
    # characters read (bot/knowledge/base.py `reading_size`). A translated
    # answer may be at most this many times as long as the English one.
    length_vs_english: float = 1.0


@dataclass(frozen=True)
class ChannelSettings:
    """Where the messaging platforms' APIs are, and how big a webhook body may be.

    The API base URLs are settings so that tests point the channels at local
    fakes of the LINE and Telegram servers; production uses the defaults.
    """

    line_api: str
    line_data_api: str
    telegram_api: str
    max_body_bytes: int


@dataclass(frozen=True)
class LimitSettings:
    """How fast one person or one network address may send (bot/channels/limits.py)."""

    conversation_per_minute: float
    conversation_burst: int
    address_per_minute: float
    address_burst: int
    # New tickets per network address per hour (REST and widget); crisis is never refused.
    tickets_per_address_per_hour: int


@dataclass(frozen=True)
class RetentionSettings:
    """How long personal data is kept (`soba purge`, docs/security.md)."""

    # Conversations, tickets' messages and notes, outboxes, audit details: deleted or anonymised after this.
    personal_data_days: int
    # A platform's redelivery is recognised for this long; older events are refused.
    redelivery_days: int
    # `soba run` purges this often.
    purge_every_hours: float


IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


@dataclass(frozen=True)
class ConsoleSettings:
    """The staff console's session cookie, the proxies it trusts, and who sees which tickets."""

    # Send the cookie over https only; on for any deployment behind TLS.
    secure_cookie: bool
    # A login lasts this long, then the counselor signs in again.
    session_minutes: int
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks).
    # Empty: the client is whoever connected, and the header is ignored.
    trusted_proxies: Tuple[IPNetwork, ...] = ()
    # On: counselors and trainers see only their own office's tickets; admins see all.
    office_scoped: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Soba, validated at load time."""

    languages: Mapping[str, Language]
    default_language: str
    # やさしい日本語: chosen by the person (never detected), answered with Japanese understanding.
    easy_japanese: Language | None
    # Decision thresholds per language; "default" for languages not listed.
    thresholds: Mapping[str, Thresholds]
    closest_topics: int
    max_message_chars: int
    rasa_port: int
    action_port: int
    console_port: int
    database_url: str
    contacts: Mapping[str, str]
    channels: ChannelSettings
    console: ConsoleSettings
    limits: LimitSettings
    retention: RetentionSettings

    def thresholds_for(self, language: str) -> Thresholds:
        """The decision thresholds of `language` (its own, else the default)."""
        return self.thresholds.get(language) or self.thresholds[DEFAULT_THRESHOLDS]

    @property
    def language_codes(self) -> Tuple[str, ...]:
        """Supported language codes in their configured order."""
        return tuple(self.languages)

    @property
    def menu_languages(self) -> Tuple[Language, ...]:
        """What a language menu offers, in order: every language, やさしい日本語 right after Japanese."""
        menu: List[Language] = []
        for code, language in self.languages.items():
            menu.append(language)
            if code == "ja" and self.easy_japanese is not None:
                menu.append(self.easy_japanese)
        return tuple(menu)

    @property
    def answer_languages(self) -> Tuple[str, ...]:
        """The languages Soba writes in: every supported language, and やさしい日本語 (ja-easy)."""
        return (*self.language_codes, EASY_JAPANESE) if "ja" in self.languages else self.language_codes


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
        code: Language(
            code=code,
            name=str(spec["name"]),
            aliases=tuple(spec.get("aliases", ())),
            length_vs_english=float(spec.get("length_vs_english", 1.0)),
        )
        for code, spec in _require(raw, "languages").items()
    }
    easy = raw.get("easy_japanese")
    easy_japanese = (
        Language(code=EASY_JAPANESE, name=str(easy["name"]), aliases=tuple(easy.get("aliases", ())))
        if isinstance(easy, dict) and "ja" in languages
        else None
    )
    default_language = str(_require(raw, "default_language"))
    if default_language not in languages:
        raise SettingsError(f"default_language '{default_language}' is not in languages")

    ports = _require(raw, "ports")
    closest_topics = int(_require(raw, "closest_topics"))
    thresholds = _thresholds(_require(raw, "decision"), languages, closest_topics)
    try:
        max_message_chars = int(env.get("SOBA_MAX_MESSAGE_CHARS", _require(raw, "max_message_chars")))
        rasa_port = int(env.get("SOBA_RASA_PORT", ports["rasa"]))
        action_port = int(env.get("SOBA_ACTION_PORT", ports["actions"]))
        console_port = int(env.get("SOBA_CONSOLE_PORT", ports["console"]))
    except (TypeError, ValueError, KeyError) as error:
        raise SettingsError(f"bad number in settings: {error}") from error
    channels = _channels(_require(raw, "channels"), env)
    if max_message_chars < 100:
        raise SettingsError(f"max_message_chars must be at least 100, got {max_message_chars}")

    return Settings(
        languages=languages,
        default_language=default_language,
        easy_japanese=easy_japanese,
        thresholds=thresholds,
        closest_topics=closest_topics,
        max_message_chars=max_message_chars,
        rasa_port=rasa_port,
        action_port=action_port,
        console_port=console_port,
        database_url=_resolve_database_url(env.get("SOBA_DATABASE_URL", str(_require(raw, "database_url"))), root),
        contacts={key: str(value) for key, value in _require(raw, "contacts").items()},
        channels=channels,
        console=_console(_require(raw, "console"), env),
        limits=_limits(_require(raw, "limits"), env),
        retention=_retention(_require(raw, "retention"), env),
    )


def _limits(raw: Any, env: Mapping[str, str]) -> LimitSettings:
    """The `limits:` section; each value is overridden by SOBA_LIMIT_<NAME> (e.g. for a load test)."""

    def value(name: str) -> Any:
        return env.get(f"SOBA_LIMIT_{name.upper()}", raw[name])

    try:
        limits = LimitSettings(
            conversation_per_minute=float(value("conversation_per_minute")),
            conversation_burst=int(value("conversation_burst")),
            address_per_minute=float(value("address_per_minute")),
            address_burst=int(value("address_burst")),
            tickets_per_address_per_hour=int(value("tickets_per_address_per_hour")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SettingsError(f"settings: bad or missing limits value: {error}") from error
    if (
        min(limits.conversation_per_minute, limits.address_per_minute) <= 0
        or min(limits.conversation_burst, limits.address_burst, limits.tickets_per_address_per_hour) < 1
    ):
        raise SettingsError("settings: every limit must be positive")
    return limits


def _retention(raw: Any, env: Mapping[str, str]) -> RetentionSettings:
    """The `retention:` section; SOBA_RETENTION_DAYS overrides personal_data_days."""
    try:
        retention = RetentionSettings(
            personal_data_days=int(env.get("SOBA_RETENTION_DAYS", raw["personal_data_days"])),
            redelivery_days=int(raw["redelivery_days"]),
            purge_every_hours=float(raw["purge_every_hours"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SettingsError(f"settings: bad or missing retention value: {error}") from error
    if retention.personal_data_days < 1 or retention.redelivery_days < 1 or retention.purge_every_hours <= 0:
        raise SettingsError("settings: retention days and hours must be positive")
    if retention.redelivery_days > retention.personal_data_days:
        raise SettingsError("settings: retention.redelivery_days cannot exceed personal_data_days")
    return retention


def _console(raw: Any, env: Mapping[str, str]) -> ConsoleSettings:
    """The `console:` section; SOBA_CONSOLE_SECURE_COOKIE=1 overrides for a TLS deployment.

    `trusted_proxies` and `office_scoped` may be left out (an older
    settings.yml): no proxy is trusted and every counselor sees every office.
    """
    if not isinstance(raw, dict):
        raise SettingsError("settings: 'console' must be a mapping")
    try:
        secure = env.get("SOBA_CONSOLE_SECURE_COOKIE", raw["secure_cookie"])
        minutes = int(raw["session_minutes"])
        proxies = tuple(ipaddress.ip_network(str(value), strict=False) for value in raw.get("trusted_proxies") or [])
        office_scoped = raw.get("office_scoped", False)
    except (KeyError, TypeError, ValueError) as error:
        raise SettingsError(f"settings: bad or missing console value: {error}") from error
    if minutes < 1:
        raise SettingsError(f"settings: console.session_minutes must be at least 1, got {minutes}")
    if not isinstance(office_scoped, bool):
        raise SettingsError(f"settings: console.office_scoped must be true or false, got {office_scoped!r}")
    return ConsoleSettings(
        secure_cookie=str(secure).lower() in ("1", "true", "yes"),
        session_minutes=minutes,
        trusted_proxies=proxies,
        office_scoped=office_scoped,
    )


def _channels(raw: Any, env: Mapping[str, str]) -> ChannelSettings:
    """The `channels:` section; SOBA_LINE_API, SOBA_LINE_DATA_API, SOBA_TELEGRAM_API override."""
    if not isinstance(raw, dict):
        raise SettingsError("settings: 'channels' must be a mapping")
    try:
        max_body_bytes = int(env.get("SOBA_MAX_BODY_BYTES", raw["max_body_bytes"]))
        return ChannelSettings(
            line_api=str(env.get("SOBA_LINE_API", raw["line_api"])).rstrip("/"),
            line_data_api=str(env.get("SOBA_LINE_DATA_API", raw["line_data_api"])).rstrip("/"),
            telegram_api=str(env.get("SOBA_TELEGRAM_API", raw["telegram_api"])).rstrip("/"),
            max_body_bytes=max_body_bytes,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SettingsError(f"settings: bad or missing channels value: {error}") from error


def _thresholds(raw: Any, languages: Mapping[str, Language], choices: int) -> Dict[str, Thresholds]:
    """Per-language thresholds; each language inherits what it does not set from `default`."""
    if not isinstance(raw, dict) or not isinstance(raw.get(DEFAULT_THRESHOLDS), dict):
        raise SettingsError("settings: 'decision' needs a 'default' mapping of thresholds")
    unknown = set(raw) - set(languages) - {DEFAULT_THRESHOLDS}
    if unknown:
        raise SettingsError(f"settings: decision thresholds for unsupported languages {sorted(unknown)}")
    result: Dict[str, Thresholds] = {}
    for code, values in raw.items():
        merged = {**raw[DEFAULT_THRESHOLDS], **(values or {})}
        try:
            thresholds = Thresholds(
                answer=float(merged["answer"]),
                clarify=float(merged["clarify"]),
                intent=float(merged["intent"]),
                choices=choices,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SettingsError(f"settings: decision.{code} needs answer, clarify and intent numbers") from error
        if not all(0.0 <= value <= 1.0 for value in (thresholds.answer, thresholds.clarify, thresholds.intent)):
            raise SettingsError(f"settings: decision.{code} thresholds must be within 0..1")
        result[str(code)] = thresholds
    return result


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
