"""Redelivered webhook events are recognised, across restarts, and old records are dropped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.channels.seen_events import first_delivery, forget_before


def test_an_event_is_first_delivered_once_per_channel(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"

    assert first_delivery("line", "01HX", url)
    assert not first_delivery("line", "01HX", url)
    assert first_delivery("telegram", "01HX", url)


def test_records_older_than_the_cutoff_are_forgotten(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    first_delivery("line", "old", url)

    assert forget_before(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1), url) == 0
    assert forget_before(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1), url) == 1
    assert first_delivery("line", "old", url)
