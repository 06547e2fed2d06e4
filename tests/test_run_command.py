"""`soba run` (what `make run` starts): every server comes up, and SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bot import paths, processes
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_run_serves_rasa_actions_and_console_and_sigterm_stops_them_all(trained_model: Path, tmp_path: Path) -> None:
    ports = {"SOBA_RASA_PORT": free_port(), "SOBA_ACTION_PORT": free_port(), "SOBA_CONSOLE_PORT": free_port()}
    env = {
        **os.environ,
        **{key: str(port) for key, port in ports.items()},
        "SOBA_DATABASE_URL": f"sqlite:///{tmp_path / 'soba.db'}",
        # Generated tokens may start with "-" (token_urlsafe); Rasa must not read it as an option.
        "SOBA_RASA_TOKEN": "-token-that-looks-like-an-option",
        "PYTHONPATH": str(paths.ROOT),
    }
    run = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=paths.ROOT, stdout=subprocess.DEVNULL)
    try:
        processes.wait_until_up(f"http://127.0.0.1:{ports['SOBA_CONSOLE_PORT']}/health", run)
        processes.wait_until_up(f"http://127.0.0.1:{ports['SOBA_RASA_PORT']}/", run)
        answer = requests.post(
            f"http://127.0.0.1:{ports['SOBA_RASA_PORT']}/webhooks/rest/webhook",
            json={"sender": "run-test", "message": "残業代が払われません"},
            timeout=60,
        ).json()
        assert {"type": "faq_answer", "topic": "overtime_pay", "language": "ja"} in [m.get("custom") for m in answer]
        tracker = f"http://127.0.0.1:{ports['SOBA_RASA_PORT']}/conversations/run-test/tracker"
        assert requests.get(tracker, timeout=30).status_code == 401
        assert requests.get(tracker, params={"token": env["SOBA_RASA_TOKEN"]}, timeout=30).status_code == 200

        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 0
    finally:
        if run.poll() is None:
            run.kill()
    assert all(port_is_free(port) for port in ports.values()), ports
