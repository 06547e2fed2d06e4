"""Offices, their hours and closed days, and which office's queue a ticket joins (offices.yml)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from bot import paths
from bot.handoff.regions import PREFECTURES
from bot.yaml_files import read_mapping

OFFICES_FILE = paths.ROOT / "offices.yml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead to look for the next opening (past a long New Year closure).
LOOKAHEAD_DAYS = 30


class OfficesError(ValueError):
    """offices.yml is missing or malformed."""


@dataclass(frozen=True)
class Office:
    """One place where counselors answer tickets."""

    id: str
    names: Mapping[str, str]
    regions: FrozenSet[str]
    # weekday (0 = Monday) → (opens, closes)
    hours: Mapping[int, Tuple[dt.time, dt.time]]
    closed: FrozenSet[dt.date]

    def name(self, language: str) -> str:
        """The office's name in `language`, else Japanese."""
        return self.names.get(language) or self.names["ja"]


@dataclass(frozen=True)
class Offices:
    """Every office, the shared holidays, and the office for regions nobody covers."""

    timezone: ZoneInfo
    holidays: FrozenSet[dt.date]
    offices: Mapping[str, Office]
    default_office: str

    def route(self, region: Optional[str]) -> Office:
        """The office covering `region` (a prefecture's official name), else the default."""
        for office in self.offices.values():
            if region and region in office.regions:
                return office
        return self.offices[self.default_office]

    def is_open(self, office: Office, at: dt.datetime) -> bool:
        """Whether counselors of `office` are answering at `at` (any timezone-aware time)."""
        local = at.astimezone(self.timezone)
        if local.date() in self.holidays or local.date() in office.closed:
            return False
        hours = office.hours.get(local.weekday())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, office: Office, at: dt.datetime) -> Optional[dt.datetime]:
        """When `office` next opens after `at` (now if open), in Japan time; None if not within a month."""
        if self.is_open(office, at):
            return at.astimezone(self.timezone)
        local = at.astimezone(self.timezone)
        for days in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + dt.timedelta(days=days)
            hours = office.hours.get(day.weekday())
            if hours is None or day in self.holidays or day in office.closed:
                continue
            opening = dt.datetime.combine(day, hours[0], tzinfo=self.timezone)
            if opening > local:
                return opening
        return None


def _time_range(text: str, where: str) -> Tuple[dt.time, dt.time]:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in str(text).split("-"))
    except ValueError as error:
        raise OfficesError(f"{where}: hours must look like 09:00-17:30, got {text!r}") from error
    if not start < end:
        raise OfficesError(f"{where}: opening {start} is not before closing {end}")
    return start, end


def _dates(values: object, where: str) -> FrozenSet[dt.date]:
    if values is not None and not isinstance(values, list):
        raise OfficesError(f"{where}: expected a list of dates")
    try:
        return frozenset(v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)) for v in values or [])
    except (TypeError, ValueError) as error:
        raise OfficesError(f"{where}: dates must be YYYY-MM-DD: {error}") from error


def load_offices(path: Path = OFFICES_FILE) -> Offices:
    """Read and check offices.yml."""
    raw = read_mapping(path, OfficesError)
    known_regions = {official for official, _, _ in PREFECTURES}
    offices: Dict[str, Office] = {}
    for spec in raw.get("offices") or []:
        office_id = str(spec.get("id") or "")
        where = f"{path.name}: office {office_id or '?'}"
        if not office_id or office_id in offices:
            raise OfficesError(f"{where}: every office needs a unique id")
        names = {str(k): str(v) for k, v in (spec.get("name") or {}).items()}
        if "ja" not in names:
            raise OfficesError(f"{where}: needs a Japanese name (name: ja:)")
        regions = frozenset(str(region) for region in spec.get("regions") or [])
        unknown = regions - known_regions
        if unknown:
            raise OfficesError(f"{where}: unknown regions {sorted(unknown)} (use official names such as 神奈川県)")
        hours = {}
        for day, text in (spec.get("hours") or {}).items():
            if day not in WEEKDAYS:
                raise OfficesError(f"{where}: unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
            if text:
                hours[WEEKDAYS.index(day)] = _time_range(text, f"{where} {day}")
        offices[office_id] = Office(office_id, names, regions, hours, _dates(spec.get("closed"), where))
    if not offices:
        raise OfficesError(f"{path.name}: no offices")
    default = str(raw.get("default_office") or "")
    if default not in offices:
        raise OfficesError(f"{path.name}: default_office {default!r} is not one of {sorted(offices)}")
    claimed: Dict[str, str] = {}
    for office in offices.values():
        for region in office.regions:
            if region in claimed:
                raise OfficesError(f"{path.name}: {region} is covered by both {claimed[region]} and {office.id}")
            claimed[region] = office.id
    try:
        timezone = ZoneInfo(str(raw.get("timezone") or "Asia/Tokyo"))
    except (KeyError, ValueError) as error:
        raise OfficesError(f"{path.name}: unknown timezone: {error}") from error
    return Offices(timezone, _dates(raw.get("holidays"), f"{path.name}: holidays"), offices, default)


@lru_cache(maxsize=1)
def get_offices() -> Offices:
    """offices.yml, read once per process."""
    return load_offices()
