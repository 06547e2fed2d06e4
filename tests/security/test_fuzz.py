"""Fuzzing every parser of input from outside, with Hypothesis.

`make fuzz` runs each target with SOBA_FUZZ_EXAMPLES=10000 generated inputs
and prints the count per target; `make test` runs a few hundred each. A
target fails on any exception other than the parser's own refusal, on any
5xx, and on any message a channel accepted (200) but did not store.

Targets: the REST body, the LINE webhook body (signed, so the parser is
reached), the Telegram update, the widget frame and hello, the message
preparation and normalisation, the knowledge loader, and the console's
forms (login, reply, note, assign, the audit filter) through the real app.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator
from urllib.parse import quote, urlencode

import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.base import Refused
from bot.channels.incoming import prepare
from bot.channels.line import parse_events
from bot.channels.rest import parse_request
from bot.channels.telegram import command, parse_update
from bot.channels.web import _parse as parse_frame
from bot.channels.web import hello_seq
from bot.knowledge import KnowledgeError, load_knowledge
from bot.nlu.crisis_guard import PhraseMatcher, content_free
from bot.text.views import character_view
from tests.conftest import LINE_SECRET, TELEGRAM_SECRET, Servers

EXAMPLES = int(os.environ.get("SOBA_FUZZ_EXAMPLES", "100"))
HTTP_EXAMPLES = int(os.environ.get("SOBA_FUZZ_HTTP_EXAMPLES", "30"))
COUNTS: Counter = Counter()

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    database=None,
)
fuzz_http = settings(
    max_examples=HTTP_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    database=None,
)

# Text as people and attackers send it: any code point, lone surrogates included.
texts = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=300)
# What a browser can put in a form: no lone surrogates (they cannot be encoded).
form_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


@pytest.fixture(scope="module", autouse=True)
def report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    failed_before = request.session.testsfailed
    yield
    failures = request.session.testsfailed - failed_before
    print(
        "\nfuzzing: "
        + ", ".join(f"{target} {count} inputs" for target, count in sorted(COUNTS.items()))
        + f", {failures} failing target(s)"
    )


# --- the channels' parsers ----------------------------------------------------------------------


def _rest_bodies() -> st.SearchStrategy[bytes]:
    shaped = st.fixed_dictionaries(
        {"sender": st.one_of(texts, st.integers(), st.none()), "message": json_values},
        optional={"metadata": json_values, "input_channel": texts},
    ).map(_dumps)
    return st.one_of(shaped, json_values.map(_dumps), st.binary(max_size=400))


@fuzz
@given(body=_rest_bodies())
def test_fuzz_rest_body(body: bytes) -> None:
    COUNTS["rest body"] += 1
    try:
        sender, message, metadata = parse_request(body)
    except Refused as refused:
        assert refused.status == 400
        return
    assert isinstance(sender, str) and sender.strip() and isinstance(metadata, dict)
    prepare(message, 2000)


def _line_events() -> st.SearchStrategy[Any]:
    event = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["message", "follow", "postback", "unfollow", "join"]) | texts,
            "timestamp": st.one_of(st.integers(min_value=-(2**63), max_value=2**63), st.floats(allow_nan=False), texts),
            "source": st.one_of(
                st.fixed_dictionaries({"type": st.sampled_from(["user", "group"]) | texts, "userId": texts}),
                json_values,
            ),
        },
        optional={
            "webhookEventId": st.one_of(texts, st.integers()),
            "replyToken": json_values,
            "message": st.one_of(
                st.fixed_dictionaries({"type": st.sampled_from(["text", "sticker"]), "text": json_values}), json_values
            ),
            "postback": st.one_of(st.fixed_dictionaries({"data": json_values}), json_values),
        },
    )
    return st.one_of(
        st.fixed_dictionaries({"destination": texts, "events": st.lists(event | json_values, max_size=5)}), json_values
    )


@fuzz
@given(body=_line_events())
def test_fuzz_line_body(body: Any) -> None:
    COUNTS["line body"] += 1
    raw = _dumps(body)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        inbounds = parse_events(raw, now, dt.timedelta(days=7))
    except Refused as refused:
        assert refused.status == 400
        return
    for inbound in inbounds:
        assert inbound.conversation_id.startswith("line:") and inbound.event_key
        json.dumps({"text": inbound.text, "extra": dict(inbound.extra)})


def _telegram_updates() -> st.SearchStrategy[Any]:
    chat = st.fixed_dictionaries({"id": st.integers() | texts, "type": st.sampled_from(["private", "group"]) | texts})
    message = st.fixed_dictionaries(
        {"chat": chat | json_values},
        optional={"text": json_values, "caption": json_values, "from": json_values, "date": json_values},
    )
    query = st.fixed_dictionaries(
        {"id": json_values, "data": json_values},
        optional={"message": st.fixed_dictionaries({"chat": chat}) | json_values, "from": json_values},
    )
    update = st.fixed_dictionaries(
        {"update_id": st.integers() | json_values},
        optional={"message": message | json_values, "callback_query": query | json_values},
    )
    return st.one_of(update, json_values)


@fuzz
@given(update=_telegram_updates())
def test_fuzz_telegram_update(update: Any) -> None:
    COUNTS["telegram update"] += 1
    try:
        inbound = parse_update(_dumps(update))
    except Refused as refused:
        assert refused.status == 400
        return
    if inbound is not None:
        assert inbound.conversation_id.startswith("telegram:") and inbound.event_key.lstrip("-").isdigit()
        command(inbound.text)


@fuzz
@given(raw=st.one_of(texts, json_values.map(json.dumps), st.binary(max_size=200)))
def test_fuzz_widget_frame(raw: Any) -> None:
    COUNTS["widget frame"] += 1
    frame = parse_frame(raw)
    if frame is not None:
        assert isinstance(frame, dict)
        seq = hello_seq(frame.get("last_seq"))
        assert seq is None or 0 <= seq < 2**31


def test_fuzz_widget_frame_deep_nesting() -> None:
    assert parse_frame('{"type":"message","x":' + "[" * 100_000 + "]" * 100_000 + "}") is None


# --- message preparation and normalisation -------------------------------------------------------

_phrases = PhraseMatcher.from_config(Path("config.yml"))


@fuzz
@given(raw=st.one_of(texts, json_values))
def test_fuzz_message_preparation_and_normalisation(raw: Any) -> None:
    COUNTS["normalisation"] += 1
    prepared = prepare(raw, 200)
    assert isinstance(prepared.text, str) and len(prepared.text) <= 200 or prepared.text == "/no_text"
    prepared.text.encode("utf-8")  # no lone surrogate survives
    view = character_view(prepared.text)
    content_free(prepared.text)
    _phrases.matches(prepared.text)
    assert isinstance(view, str)


# --- the knowledge loader --------------------------------------------------------------------------


# One topic beside figures.yml and places.yml: the loader's every path, 40 times faster than all 39.
FUZZED_TOPICS = ("unpaid_wages",)


@pytest.fixture(scope="module")
def knowledge_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("knowledge")
    for name in ("figures", "places", *FUZZED_TOPICS):
        shutil.copy(Path("knowledge") / f"{name}.yml", folder / f"{name}.yml")
    return folder


def _mutations() -> st.SearchStrategy[Any]:
    return st.one_of(json_values, texts, st.just(None), st.just({}), st.just([]))


@fuzz
@given(
    field=st.sampled_from(
        ["summary", "steps", "deadlines", "where_to_go", "details", "refs", "links", "title", "public_sector", "topic"]
    ),
    value=_mutations(),
)
def test_fuzz_knowledge_loader(knowledge_copy: Path, field: str, value: Any) -> None:
    COUNTS["knowledge loader"] += 1
    path = knowledge_copy / f"{FUZZED_TOPICS[0]}.yml"
    original = path.read_bytes()
    data = yaml.safe_load(original.decode("utf-8"))
    data[field] = value
    try:
        path.write_bytes(yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass"))
        with contextlib.suppress(KnowledgeError):
            load_knowledge(knowledge_copy, ("ja", "en"), FUZZED_TOPICS)
    finally:
        path.write_bytes(original)


@fuzz
@given(raw=st.binary(max_size=300) | texts.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_knowledge_loader_on_broken_yaml(knowledge_copy: Path, raw: bytes) -> None:
    COUNTS["knowledge loader (raw yaml)"] += 1
    path = knowledge_copy / f"{FUZZED_TOPICS[0]}.yml"
    original = path.read_bytes()
    try:
        path.write_bytes(raw)
        with pytest.raises(KnowledgeError):
            load_knowledge(knowledge_copy, ("ja", "en"), FUZZED_TOPICS)
    finally:
        path.write_bytes(original)


# --- the console's forms, through the real app ------------------------------------------------------


@pytest.fixture(scope="module")
def console_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from bot.console.accounts import create_staff
    from bot.console.app import create_app
    from bot.console.models import Role
    from bot.db import session_factory
    from bot.handoff.conversation import RasaConversations
    from bot.retention import forget_conversation
    from bot.settings import load_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz-console') / 'console.db'}"
    with session_factory(url)() as db:
        create_staff(db, "fuzzer", "Fuzzer", Role.ADMIN, "fuzzing-password-1")
    settings = load_settings(env={"SOBA_DATABASE_URL": url})
    # As `soba console` wires it; the Rasa server behind it is absent (its calls fail as 502).
    app = create_app(settings, RasaConversations("http://127.0.0.1:9", "t"), "fuzz-secret", forget_conversation)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"csrf_token": token, "login": "fuzzer", "password": "fuzzing-password-1"})
        yield client


def _csrf(client: Any, path: str) -> str:
    page = client.get(path)
    return (
        page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0] if 'name="csrf_token"' in page.text else ""
    )


@fuzz
@given(
    action=st.sampled_from(["reply", "note", "assign", "close", "reopen", "answer", "forget"]),
    ticket=st.one_of(
        st.integers(min_value=-5, max_value=2**70).map(str),
        st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, blacklist_characters="/?#%\\"), max_size=40),
    ),
    form=st.dictionaries(
        st.sampled_from(["text", "to", "topic", "confirm", "reply_id", "x"]) | form_texts, form_texts, max_size=4
    ),
    with_token=st.booleans(),
)
def test_fuzz_console_ticket_forms(
    console_client: Any, action: str, ticket: str, form: Dict[str, str], with_token: bool
) -> None:
    COUNTS["console forms"] += 1
    data = dict(form)
    if with_token:
        data["csrf_token"] = _csrf(console_client, "/")
    # Percent-encoded as a browser sends it: the server sees every character, the client refuses none.
    path = f"/tickets/{quote(ticket or 'x', safe='')}/{action}"
    response = console_client.post(path, data=data, follow_redirects=False)
    assert response.status_code < 500, (action, ticket, response.status_code)


@fuzz
@given(
    query=st.dictionaries(
        st.sampled_from(["ticket", "staff", "action", "page", "after", "source", "office"]), texts, max_size=4
    )
)
def test_fuzz_console_query_strings(console_client: Any, query: Dict[str, str]) -> None:
    COUNTS["console query strings"] += 1
    # Encoded by hand: a lone surrogate becomes the invalid UTF-8 an attacker can send (%ED%A0%80).
    encoded = urlencode(query, errors="surrogatepass")
    for path in ("/", "/admin/audit", "/tickets/1/lines", "/admin/staff"):
        assert console_client.get(f"{path}?{encoded}", follow_redirects=False).status_code < 500


@fuzz
@given(login=form_texts, password=form_texts, with_token=st.booleans())
def test_fuzz_console_login_form(console_client: Any, login: str, password: str, with_token: bool) -> None:
    COUNTS["console login form"] += 1
    data = {"login": login, "password": password}
    if with_token:
        data["csrf_token"] = _csrf(console_client, "/login")
    assert console_client.post("/login", data=data, follow_redirects=False).status_code < 500


# --- the webhooks over HTTP: no 5xx, nothing accepted and lost ----------------------------------------


def _sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()


@pytest.mark.e2e
@fuzz_http
@given(message=st.one_of(texts, json_values), metadata=json_values)
def test_fuzz_rest_over_http(soba_servers: Servers, message: Any, metadata: Any) -> None:
    COUNTS["rest over http"] += 1
    sender = f"fuzz-{uuid.uuid4().hex[:12]}"
    body = {"sender": sender, "message": message, "metadata": metadata}
    response = requests.post(f"{soba_servers.rasa_url}/webhooks/rest/webhook", data=_dumps(body), timeout=60)
    assert response.status_code < 500
    if response.status_code == 200:
        assert (
            soba_servers.rows(
                "SELECT count(*) AS n FROM events WHERE sender_id = :s AND type_name = 'user'", s=f"rest:{sender}"
            )[0].n
            == 1
        )


@pytest.mark.e2e
@fuzz_http
@given(text=texts, kind=st.sampled_from(["text", "sticker"]))
def test_fuzz_line_over_http(soba_servers: Servers, text: str, kind: str) -> None:
    COUNTS["line over http"] += 1
    key = "01F" + uuid.uuid4().hex[:23].upper()
    event = {
        "type": "message",
        "timestamp": int(dt.datetime.now().timestamp() * 1000),
        "source": {"type": "user", "userId": "U" + uuid.uuid4().hex},
        "webhookEventId": key,
        "replyToken": uuid.uuid4().hex,
        "message": {"type": kind, "id": "1", "text": text},
    }
    body = _dumps({"destination": "U", "events": [event]})
    response = requests.post(
        f"{soba_servers.rasa_url}/webhooks/line/webhook",
        data=body,
        headers={"X-Line-Signature": _sign(body)},
        timeout=30,
    )
    assert response.status_code < 500
    if response.status_code == 200:
        assert soba_servers.rows("SELECT count(*) AS n FROM channel_inbox WHERE event_key = :k", k=key)[0].n == 1


@pytest.mark.e2e
@fuzz_http
@given(update=_telegram_updates())
def test_fuzz_telegram_over_http(soba_servers: Servers, update: Any) -> None:
    COUNTS["telegram over http"] += 1
    response = requests.post(
        f"{soba_servers.rasa_url}/webhooks/telegram/webhook",
        data=_dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code < 500
