"""Office hours with a fixed clock, holidays, routing by region, and the queue's order."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.handoff import lifecycle
from bot.handoff.models import Reason, Status
from bot.handoff.offices import OfficesError, get_offices, load_offices
from bot.handoff.queue import QueueFilter, queue
from bot.handoff.regions import find_region
from bot.handoff.tickets import open_ticket
from tests.handoff.test_tickets import request_for

JST = ZoneInfo("Asia/Tokyo")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def test_a_weekday_inside_hours_is_open_and_outside_is_not() -> None:
    offices = get_offices()
    central = offices.route(None)

    assert offices.is_open(central, at(2026, 12, 1, 10, 0))  # Tuesday
    assert not offices.is_open(central, at(2026, 12, 1, 17, 30))  # closing time is exclusive
    assert not offices.is_open(central, at(2026, 12, 1, 8, 59))
    assert not offices.is_open(central, at(2026, 11, 29, 10, 0))  # Sunday


def test_national_holidays_and_office_closures_are_closed() -> None:
    offices = get_offices()
    central = offices.route(None)

    assert not offices.is_open(central, at(2026, 11, 23, 10, 0))  # 勤労感謝の日, a Monday
    assert not offices.is_open(central, at(2026, 12, 30, 10, 0))  # the office's year-end closure
    assert offices.next_opening(central, at(2026, 12, 28, 18, 0)) == at(2027, 1, 4, 9, 0)


def test_the_next_opening_is_on_the_office_s_own_days() -> None:
    offices = get_offices()
    kanagawa = offices.route("神奈川県")

    # Kanagawa's council answers Mon/Wed/Fri; after Tuesday 10:00 the next is Wednesday 09:30.
    assert offices.next_opening(kanagawa, at(2026, 12, 1, 10, 0)) == at(2026, 12, 2, 9, 30)
    # A time given in UTC is read in Japan time.
    assert offices.is_open(kanagawa, dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.timezone.utc))


@pytest.mark.parametrize(
    ("text", "office"),
    [("神奈川で働いています", "kanagawa"), ("I live in Chiba", "saitama_chiba"), ("さいたま", "saitama_chiba"),
     ("大阪府です", "central"), ("わかりません", "central")],
)  # fmt: skip
def test_a_ticket_goes_to_the_office_covering_the_region_named(text: str, office: str) -> None:
    assert get_offices().route(find_region(text)).id == office


def test_a_region_claimed_by_two_offices_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "offices.yml"
    path.write_text(
        "default_office: a\noffices:\n"
        "  - {id: a, name: {ja: A}, regions: [東京都], hours: {mon: '09:00-17:00'}}\n"
        "  - {id: b, name: {ja: B}, regions: [東京都], hours: {mon: '09:00-17:00'}}\n",
        encoding="utf-8",
    )

    with pytest.raises(OfficesError, match="東京都"):
        load_offices(path)


@pytest.mark.parametrize(
    "bad",
    ["hours: {mon: '17:00-09:00'}", "hours: {monday: '09:00-17:00'}", "regions: [Tokio]", "closed: [2026-13-01]"],
)
def test_malformed_offices_are_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "offices.yml"
    path.write_text(f"default_office: a\noffices:\n  - id: a\n    name: {{ja: A}}\n    {bad}\n", encoding="utf-8")

    with pytest.raises(OfficesError):
        load_offices(path)


def test_the_queue_puts_urgent_first_then_the_longest_waiting(session: Session) -> None:
    office = f"q-{uuid.uuid4().hex[:8]}"
    tickets = {}
    for name, reason in [("older", Reason.LOW_CONFIDENCE), ("newer", Reason.REQUEST_HUMAN), ("crisis", Reason.CRISIS)]:
        ticket, _ = open_ticket(session, request_for(f"{name}-{uuid.uuid4()}", reason))
        ticket.office = office
        tickets[name] = ticket
    tickets["older"].created_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3)
    tickets["newer"].created_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    session.commit()

    order = [entry.ticket.id for entry in queue(session, QueueFilter(office=office))]

    assert order == [tickets["crisis"].id, tickets["older"].id, tickets["newer"].id]


def test_a_ticket_waiting_for_the_person_goes_below_those_waiting_for_a_counselor(session: Session) -> None:
    office = f"q-{uuid.uuid4().hex[:8]}"
    replied, _ = open_ticket(session, request_for(f"r-{uuid.uuid4()}", Reason.LOW_CONFIDENCE))
    waiting, _ = open_ticket(session, request_for(f"w-{uuid.uuid4()}", Reason.LOW_CONFIDENCE))
    replied.office = waiting.office = office
    replied.created_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    session.commit()
    lifecycle.record_staff_reply(session, replied, "tanaka", "お返事です")

    entries = queue(session, QueueFilter(office=office))

    assert [e.ticket.id for e in entries] == [waiting.id, replied.id]
    assert entries[1].waiting is None and entries[0].waiting is not None
    assert queue(session, QueueFilter(office=office, statuses=(Status.WAITING.value,)))[0].ticket.id == replied.id
