"""Short keys for button payloads too long for a platform, kept in a real SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from bot.channels import payloads
from bot.channels.payloads import KEY_LENGTH, KEY_PREFIX, expand, payload_key, shorten

TELEGRAM_LIMIT = 64
LONG = '/feedback_negative{"topic":"equal_treatment_nonregular","from":"the clarify question"}'


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'payloads.db'}"
    payloads._cache.clear()
    yield url
    payloads._cache.clear()


def test_a_payload_within_the_limit_is_sent_as_it_is(database: str) -> None:
    payload = '/faq{"topic":"overtime_pay"}'

    assert shorten(payload, TELEGRAM_LIMIT, database) == payload
    assert expand(payload, database) == payload


def test_a_long_payload_becomes_a_short_key_that_expands_back(database: str) -> None:
    key = shorten(LONG, TELEGRAM_LIMIT, database)

    assert key.startswith(KEY_PREFIX) and len(key.encode()) == KEY_LENGTH <= TELEGRAM_LIMIT
    assert expand(key, database) == LONG


def test_the_limit_counts_utf8_bytes_not_characters(database: str) -> None:
    payload = "/choose_language" + "語" * 20  # 36 characters, 76 bytes

    key = shorten(payload, TELEGRAM_LIMIT, database)

    assert key != payload and expand(key, database) == payload


def test_a_key_survives_a_restart(database: str) -> None:
    key = shorten(LONG, TELEGRAM_LIMIT, database)
    payloads._cache.clear()  # a new process knows only the database

    assert expand(key, database) == LONG
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        rows = list(connection.execute(sa.text("SELECT key, payload FROM channel_payloads")))
    engine.dispose()
    assert rows == [(key, LONG)]


def test_the_same_payload_gets_the_same_key_and_is_stored_once(database: str) -> None:
    first = shorten(LONG, TELEGRAM_LIMIT, database)
    payloads._cache.clear()
    second = shorten(LONG, TELEGRAM_LIMIT, database)

    assert first == second == payload_key(LONG)
    assert shorten(LONG + " ", TELEGRAM_LIMIT, database) != first


def test_an_unknown_key_expands_to_nothing(database: str) -> None:
    assert expand(payload_key("never stored"), database) is None


def test_a_short_payload_that_looks_like_a_key_is_stored_too(database: str) -> None:
    looks_like_a_key = KEY_PREFIX + "abc"

    key = shorten(looks_like_a_key, TELEGRAM_LIMIT, database)

    assert key != looks_like_a_key and expand(key, database) == looks_like_a_key


def test_a_limit_too_small_for_a_key_is_refused(database: str) -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        shorten(LONG, KEY_LENGTH - 1, database)
