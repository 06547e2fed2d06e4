"""The staff console as `soba run` starts it: its own process on a free port, real HTTP, real SQLite.

`console` runs against a database of its own and a Rasa address where nothing
listens (for the pages, forms and security); `proxied_console` likewise, but
behind a trusted proxy on 127.0.0.1 and with office-scoped access;
`live_console` runs against the `soba_servers` database and Rasa server (for
replies that reach LINE).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
import sqlalchemy as sa

from bot import paths, processes
from bot.console.accounts import create_staff
from bot.console.models import Role
from bot.core.tables import utcnow
from bot.db import session_factory
from bot.handoff.models import Reason
from bot.handoff.tickets import TicketRequest, open_ticket
from bot.settings import load_settings
from tests.conftest import Servers, free_port

PASSWORD = "correct-horse-battery"
# (login, display name, role); the first is created through `soba staff add`.
STAFF = [
    ("tanaka", "田中", Role.COUNSELOR),
    ("suzuki", "鈴木", Role.ADMIN),
    ("sato", "佐藤", Role.TRAINER),
]
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    """A running console process and what it was started with."""

    url: str
    database_url: str
    secret: str
    log: Path

    def client(self) -> requests.Session:
        """A fresh browser-like HTTP session (its own cookies)."""
        return requests.Session()

    def login(self, login: str, password: str = PASSWORD, language: str | None = None) -> requests.Session:
        """A session signed in as `login`."""
        session = self.client()
        page = session.get(f"{self.url}/login", timeout=30)
        response = session.post(
            f"{self.url}/login",
            data={"login": login, "password": password, "next": "/", "csrf_token": csrf_of(page.text)},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 303, response.text
        return session

    def get(self, session: requests.Session, path: str, **kwargs: Any) -> requests.Response:
        return session.get(f"{self.url}{path}", timeout=30, **kwargs)

    def post_form(
        self, session: requests.Session, page_path: str, action: str, data: Dict[str, str]
    ) -> requests.Response:
        """Open `page_path`, then POST `data` to `action` with the page's CSRF token, as a browser would."""
        page = self.get(session, page_path)
        return session.post(
            f"{self.url}{action}", data={**data, "csrf_token": csrf_of(page.text)}, allow_redirects=False, timeout=60
        )


def set_cookie(response: requests.Response, name: str) -> str:
    """The Set-Cookie header for the cookie `name` (lower case), of the several a response may set."""
    [header] = [h for h in response.raw.headers.getlist("set-cookie") if h.startswith(f"{name}=")]
    return header.lower()


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def new_ticket(
    console: Console,
    language: str = "en",
    reason: Reason = Reason.REQUEST_HUMAN,
    text: str = "",
    office: Optional[str] = None,
) -> int:
    """A ticket as the bot opens it, with a unique conversation (in `office`'s queue if given)."""
    transcript = [{"role": "user", "text": text or "I need help", "timestamp": utcnow().timestamp()}]
    guesses = [{"topic": "overtime_pay", "confidence": 0.41}, {"topic": "unpaid_wages", "confidence": 0.3}]
    request = TicketRequest(f"U{uuid.uuid4().hex}", "line", language, reason, transcript, guesses)
    with session_factory(console.database_url)() as session:
        ticket, _ = open_ticket(session, request)
        if office is not None:
            ticket.office = office
            session.commit()
        return int(ticket.id)


def rows(console: Console, query: str, **params: object) -> List[sa.engine.Row]:
    """Rows of a SQL query against the console's database."""
    engine = sa.create_engine(console.database_url, future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(query), params))
    finally:
        engine.dispose()


def soba(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run the `soba` command (python -m bot.cli) against `database_url`, as an operator does on the server."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=paths.ROOT,
        env=processes.child_env(load_settings(env={"SOBA_DATABASE_URL": database_url})),
        timeout=120,
    )


def add_staff(database_url: str) -> None:
    """The accounts of STAFF: the first through the `soba staff add` command, the others directly."""
    login, name, role = STAFF[0]
    command = ["staff", "add", login, "--role", role.value, "--name", name, "--password-stdin"]
    result = soba(database_url, *command, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    with session_factory(database_url)() as session:
        for login, name, role in STAFF[1:]:
            create_staff(session, login, name, role, PASSWORD)


@contextlib.contextmanager
def running_console(
    database_url: str, rasa_url: str, token: str, workdir: Path, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[Console]:
    """The console on a free port, started by `processes.start_console` as `soba run` does; stopped on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    secret = secrets.token_urlsafe(32)
    settings = load_settings(env={"SOBA_DATABASE_URL": database_url})
    extra = {"SOBA_RASA_URL": rasa_url, "SOBA_RASA_TOKEN": token, "SOBA_CONSOLE_SECRET": secret, **(extra_env or {})}
    env = processes.child_env(settings, extra=extra)
    session_factory(database_url)
    log = workdir / "console.log"
    process = processes.start_console(env, port, log=log)
    try:
        processes.wait_until_up(f"http://127.0.0.1:{port}/health", process, timeout=120)
        yield Console(f"http://127.0.0.1:{port}", database_url, secret, log)
    except processes.ServerError:
        print(f"--- console.log ---\n{log.read_text(errors='replace')[-5000:]}")
        raise
    finally:
        processes.stop(process)


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console on a database of its own, with no Rasa server behind it."""
    workdir = tmp_path_factory.mktemp("console")
    database_url = f"sqlite:///{workdir / 'console.db'}"
    add_staff(database_url)
    nowhere = f"http://127.0.0.1:{free_port()}"
    with running_console(database_url, nowhere, "no-token", workdir) as running:
        yield running


def console_settings_file(directory: Path, **values: str) -> Path:
    """A copy of settings.yml whose `console:` keys are set to `values` (YAML text, e.g. "[127.0.0.1]")."""
    text = paths.SETTINGS_FILE.read_text(encoding="utf-8")
    for key, value in values.items():
        text, replaced = re.subn(rf"(?m)^(  {key}:) .*$", rf"\1 {value}", text)
        assert replaced == 1, key
    path = directory / "settings.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def proxied_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console behind a trusted reverse proxy on 127.0.0.1, with office-scoped access; no Rasa behind it.

    Tests tell it which client they are with X-Forwarded-For, as the proxy
    would, so each keeps its own address for login throttling.
    """
    workdir = tmp_path_factory.mktemp("proxied-console")
    database_url = f"sqlite:///{workdir / 'console.db'}"
    add_staff(database_url)
    settings = console_settings_file(workdir, trusted_proxies="[127.0.0.1]", office_scoped="true")
    nowhere = f"http://127.0.0.1:{free_port()}"
    extra = {"SOBA_SETTINGS": str(settings)}
    with running_console(database_url, nowhere, "no-token", workdir, extra_env=extra) as running:
        yield running


@pytest.fixture
def counselor(console: Console) -> Iterator[requests.Session]:
    """A session signed in to `console` as the counselor tanaka."""
    session = console.login("tanaka")
    yield session
    session.close()


@pytest.fixture(scope="session")
def live_console(soba_servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console on the `soba_servers` database, talking to their Rasa server."""
    workdir = tmp_path_factory.mktemp("live-console")
    add_staff(soba_servers.database_url)
    with running_console(soba_servers.database_url, soba_servers.rasa_url, soba_servers.token, workdir) as running:
        yield running
