"""Official offices and pages, kept once in knowledge/places.yml.

An answer names a place by id: in `where_to_go` (an office, shown on the
answer's first screen with its phone number or address) or in `links` (a page
for further reading). A page that moves, or a phone number that changes, is
then one edit that reaches every answer. Phone numbers are not written here
either: a place names a key of `contacts` in settings.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Tuple
from urllib.parse import urlsplit

import yaml

from bot.knowledge.figures import Figures
from bot.yaml_files import load_yaml

# Official sources only: government domains and the state legal-aid centre.
OFFICIAL_HOST_SUFFIXES = (".go.jp", "houterasu.or.jp")


class PlacesError(ValueError):
    """knowledge/places.yml is malformed; `problems` lists each issue."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Place:
    """An official office or page.

    `labels` is how the page is shown in a list of links; `names` is how the
    office is named when an answer sends the person there. An office has a
    name and a phone number or an address (or both); a page has an address.
    """

    id: str
    url: str | None
    labels: Mapping[str, str]
    names: Mapping[str, str]
    phone: str | None

    @property
    def is_office(self) -> bool:
        """Whether an answer can send the person here (it has a name to show)."""
        return bool(self.names)


# A link is a place with an address; the name stays for code that says "link".
Link = Place


def official_url_problem(url: str) -> str | None:
    """Why `url` is not an https link to an official site, if it is not."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or not parts.hostname.endswith(OFFICIAL_HOST_SUFFIXES):
        return f"{url!r} is not an https link to an official site"
    return None


def _texts(value: object, languages: Tuple[str, ...], where: str, problems: List[str]) -> Dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or any(not isinstance(value.get(code), str) for code in languages):
        problems.append(f"{where}: needs a text for every language {list(languages)}")
        return {}
    return {code: " ".join(str(value[code]).split()) for code in languages}


def load_places(
    path: Path, languages: Tuple[str, ...], contacts: Mapping[str, str], figures: Figures
) -> Dict[str, Place]:
    """Read places.yml; raise PlacesError listing every problem.

    Addresses must be https on an official site; a `phone` must name a key of
    `contacts` (settings.yml); names and labels need every language and may
    carry no number of their own (figures.yml's names_with_digits excepted).
    """
    where = path.name
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as error:  # ValueError: not UTF-8, or an impossible date
        raise PlacesError([f"{where}: cannot read: {error}"]) from error
    if not isinstance(raw, dict) or not isinstance(raw.get("places"), dict):
        raise PlacesError([f"{where}: expected a mapping with 'places'"])
    problems: List[str] = []
    places: Dict[str, Place] = {}
    for name, entry in raw["places"].items():
        entry = entry if isinstance(entry, dict) else {}
        label = f"{where} {name}"
        url = entry.get("url")
        if url is not None:
            problem = official_url_problem(str(url))
            if problem:
                problems.append(f"{label}: {problem}")
        phone_key = entry.get("phone")
        phone = None
        if phone_key is not None:
            phone = contacts.get(str(phone_key))
            if phone is None:
                problems.append(f"{label}: phone {phone_key!r} is not a contact in settings.yml")
        labels = _texts(entry.get("label"), languages, f"{label} label", problems)
        names = _texts(entry.get("name"), languages, f"{label} name", problems)
        if url is None and phone_key is None:
            problems.append(f"{label}: needs a 'url' or a 'phone'")
        if url is not None and not labels:
            problems.append(f"{label}: a page needs a 'label' in every language")
        if phone_key is not None and not names:
            problems.append(f"{label}: a phone line needs a 'name' in every language")
        for code, text in {**labels, **names}.items():
            stray = figures.stray_numbers(text)
            if stray:
                problems.append(f"{label} [{code}]: numbers in a name or label: {stray} (phones: settings.yml)")
        places[str(name)] = Place(
            id=str(name), url=str(url) if url is not None else None, labels=labels, names=names, phone=phone
        )
    if problems:
        raise PlacesError(problems)
    return places
