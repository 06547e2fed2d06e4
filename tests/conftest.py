"""Shared fixtures: one trained model per run, real servers, real databases."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from bot import paths, processes
from bot.db import session_factory
from bot.settings import get_settings, load_settings
from bot.texts import get_texts
from tests.fakes.line_api import FakeLineApi
from tests.fakes.telegram_api import FakeTelegramApi

TRACKERS_DIR = Path(__file__).parent / "data" / "trackers"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current data: trained once per run, reused if current."""
    return processes.train(processes.child_env(load_settings()))


# The secrets the channels are configured with (credentials.yml reads them from the env).
LINE_SECRET = "line-channel-secret-for-tests"
TELEGRAM_SECRET = "telegram-secret-token-for-tests"


@dataclass
class PlatformFakes:
    """Local fakes of the LINE and Telegram APIs, the only stand-ins in the suite."""

    line: FakeLineApi
    telegram: FakeTelegramApi

    def env(self) -> Dict[str, str]:
        """What the Rasa server needs to use the fakes and to enable both channels."""
        return {
            "SOBA_LINE_API": self.line.url,
            "SOBA_LINE_DATA_API": self.line.url,
            "SOBA_TELEGRAM_API": self.telegram.url,
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": self.line.access_token,
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        }


@pytest.fixture(scope="session")
def platform_fakes() -> Iterator[PlatformFakes]:
    """The fake LINE and Telegram servers, for the whole run."""
    fakes = PlatformFakes(line=FakeLineApi().start(), telegram=FakeTelegramApi().start())
    yield fakes
    fakes.line.stop()
    fakes.telegram.stop()


@dataclass
class Servers:
    """A running Rasa server and action server, with their database."""

    rasa_url: str
    database_url: str
    logs: List[Path]
    # Rasa's HTTP API requires this token, as in production; channel routes do not.
    token: str
    action_url: str
    fakes: PlatformFakes

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call Rasa's HTTP API (`/model/parse`, `/conversations/...`) with the token."""
        params = dict(kwargs.pop("params", None) or {}, token=self.token)
        return requests.request(method, f"{self.rasa_url}{path}", params=params, timeout=60, **kwargs)

    def say(self, sender: str, message: str, metadata: Dict[str, Any] | None = None) -> List[Dict[str, Any]]:
        """Post one message to the REST channel and return the bot's messages."""
        body: Dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        return self.post(body)

    def post(self, body: Any) -> List[Dict[str, Any]]:
        """Post any JSON body to the REST channel and return the bot's messages."""
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def parse(self, text: str) -> Dict[str, Any]:
        """Rasa's NLU parse of `text`."""
        response = self.api("POST", "/model/parse", json={"text": text})
        response.raise_for_status()
        return response.json()

    def rows(self, query: str, **params: Any) -> List[Any]:
        """Rows of a SQL query against the servers' database."""
        engine = sa.create_engine(self.database_url, future=True)
        try:
            with engine.connect() as connection:
                return list(connection.execute(sa.text(query), params))
        finally:
            engine.dispose()


# The whole suite talks from one address: limits that never bite, except where a test asks for the real ones.
TEST_LIMITS = {
    "SOBA_LIMIT_ADDRESS_PER_MINUTE": "100000",
    "SOBA_LIMIT_ADDRESS_BURST": "100000",
    "SOBA_LIMIT_TICKETS_PER_ADDRESS_PER_HOUR": "100000",
}


@contextlib.contextmanager
def running_servers(
    model: Path,
    fakes: PlatformFakes,
    workdir: Path,
    database_url: str,
    token: str | None = None,
    limits: Dict[str, str] | None = None,
) -> Iterator[Servers]:
    """The action server and the Rasa server on free ports, as `soba run` starts them; stopped on exit.

    Every test client comes from 127.0.0.1, so the shared servers run with
    `TEST_LIMITS`; the tests of the limits themselves pass `limits={}` to get
    settings.yml's.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port = free_port(), free_port()
    settings = load_settings(env={"SOBA_DATABASE_URL": database_url})
    extra = {"SOBA_ACTION_PORT": str(action_port), **fakes.env(), **(limits if limits is not None else TEST_LIMITS)}
    env = processes.child_env(settings, action_port=action_port, extra=extra)
    session_factory(database_url)  # as `soba run` does before starting the servers
    logs = [workdir / "actions.log", workdir / "rasa.log"]
    actions = processes.start_action_server(env, action_port, log=logs[0])
    token = token or secrets.token_urlsafe(24)
    rasa = processes.start_rasa_server(env, model, rasa_port, log=logs[1], auth_token=token)
    try:
        processes.wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        processes.wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        yield Servers(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            database_url=database_url,
            logs=logs,
            token=token,
            action_url=f"http://127.0.0.1:{action_port}",
            fakes=fakes,
        )
    except processes.ServerError:
        for log in logs:
            print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-5000:]}")
        raise
    finally:
        processes.stop(rasa)
        processes.stop(actions)


@pytest.fixture(scope="session")
def soba_servers(
    trained_model: Path, platform_fakes: PlatformFakes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    """One pair of servers for the whole run, with every channel in credentials.yml."""
    workdir = tmp_path_factory.mktemp("servers")
    with running_servers(trained_model, platform_fakes, workdir, f"sqlite:///{workdir / 'soba.db'}") as servers:
        yield servers


# Debian's Chromium (.ci/run installs it); the browser tests never download one.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright (no downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y --no-install-recommends chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


def clear_caches() -> None:
    """Forget process-wide settings so a test's environment takes effect."""
    from bot.knowledge import get_knowledge

    get_settings.cache_clear()
    get_texts.cache_clear()
    get_knowledge.cache_clear()


# Action tests decide with these thresholds, whatever `make bench` last chose.
FIXED_DECISION = "decision:\n  default: {answer: 0.6, clarify: 0.5, intent: 0.5}\n"


def settings_with_fixed_thresholds(directory: Path) -> Path:
    """A copy of settings.yml whose decision thresholds are FIXED_DECISION."""
    text = paths.SETTINGS_FILE.read_text(encoding="utf-8")
    path = directory / "settings.yml"
    path.write_text(text[: text.index("decision:")] + FIXED_DECISION + text[text.index("closest_topics:") :])
    return path


@pytest.fixture
def action_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite database that the actions write to, and fixed thresholds."""
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("SOBA_DATABASE_URL", url)
    monkeypatch.setenv("SOBA_SETTINGS", str(settings_with_fixed_thresholds(tmp_path)))
    clear_caches()
    yield url
    clear_caches()


def load_tracker_state(name: str) -> Dict[str, Any]:
    """A tracker state (as Rasa sends it to the action server) from tests/data."""
    return json.loads((TRACKERS_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def project_root() -> Path:
    """The repository root."""
    return paths.ROOT
