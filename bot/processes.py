"""Train models and start Soba's servers as child processes.

Used by the `soba` command and by the end-to-end tests, so both start the
servers exactly the same way.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Mapping

from bot import paths
from bot.api_token import action_server_token
from bot.channels.credentials import write_effective_credentials
from bot.model_files import MODEL_SUFFIX, model_path
from bot.settings import Settings

logger = logging.getLogger(__name__)


class ServerError(RuntimeError):
    """A child server exited or did not come up in time."""


class TrainingError(RuntimeError):
    """`rasa train` failed."""


def child_env(
    settings: Settings, action_port: int | None = None, extra: Mapping[str, str] | None = None
) -> Dict[str, str]:
    """Environment for Rasa processes: our components importable, endpoints and secrets filled.

    Secrets travel in the environment, which only the owner can read
    (`/proc/<pid>/environ` is 0400), never on a command line (security review M1).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.ROOT), env.get("PYTHONPATH", "")]))
    env["SOBA_DATABASE_URL"] = settings.database_url
    env["SOBA_ACTION_ENDPOINT"] = f"http://127.0.0.1:{action_port or settings.action_port}/webhook"
    env["SOBA_ACTION_TOKEN"] = action_server_token(env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Sanic reads SANIC_* variables into its config: one body-size limit for every route.
    env["SANIC_REQUEST_MAX_SIZE"] = str(settings.channels.max_body_bytes)
    env["SANIC_WEBSOCKET_MAX_SIZE"] = str(settings.channels.max_body_bytes)
    # Rasa asks about telemetry on first run; a server must never block on input.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.update(extra or {})
    return env


def train(env: Mapping[str, str], models_dir: Path = paths.MODELS_DIR, force: bool = False) -> Path:
    """Return the model for the current data, training it first if there is none.

    Rasa writes into a temporary folder and the archive is moved into place
    only when complete, so an interrupted training never leaves a model that
    looks current.
    """
    target = model_path(models_dir)
    if target.is_file() and not force:
        logger.info("Model %s matches the current data and config.", target.name)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    name = target.name.removesuffix(MODEL_SUFFIX)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".training-") as tmp:
        command = [
            sys.executable, "-m", "rasa", "train",
            "--data", str(paths.DATA_DIR),
            "--domain", str(paths.DOMAIN_FILE),
            "--config", str(paths.RASA_CONFIG),
            "--out", tmp,
            "--fixed-model-name", name,
        ]  # fmt: skip
        logger.info("Training %s ...", name)
        result = subprocess.run(command, env=dict(env), cwd=paths.ROOT)
        built = Path(tmp) / f"{name}{MODEL_SUFFIX}"
        if result.returncode != 0 or not built.is_file():
            raise TrainingError(f"rasa train failed with exit code {result.returncode}")
        shutil.move(str(built), target)
    return target


def start_action_server(env: Mapping[str, str], port: int, log: Path | None = None) -> subprocess.Popen:
    """Start the action server (rasa_sdk serving `actions`) on loopback, behind SOBA_ACTION_TOKEN."""
    command = [sys.executable, "-m", "bot.action_server", "--port", str(port)]
    return _spawn(command, env, log)


def start_rasa_server(
    env: Mapping[str, str], model: Path, port: int, auth_token: str, log: Path | None = None
) -> subprocess.Popen:
    """Start the Rasa server with the HTTP API and the channels in credentials.yml.

    Channels whose secrets are not in `env` are left out (bot/channels/credentials.py).
    The API token goes in the environment (bot/server.py), never on the command line.
    """
    # It holds only `${VAR}` references, never the secrets themselves.
    credentials = write_effective_credentials(env, Path(tempfile.gettempdir()) / f"soba-credentials-{port}.yml")
    command: List[str] = [
        sys.executable, "-m", "bot.server",
        "--model", str(model),
        "--port", str(port),
        "--endpoints", str(paths.ENDPOINTS_FILE),
        "--credentials", str(credentials),
    ]  # fmt: skip
    return _spawn(command, {**env, "SOBA_RASA_TOKEN": auth_token}, log)


def start_console(env: Mapping[str, str], port: int, log: Path | None = None) -> subprocess.Popen:
    """Start the staff console (`soba console`) on `port`.

    It reaches Rasa through SOBA_RASA_URL (default: the local server of
    settings.yml) with the API token, and the database through SOBA_DATABASE_URL.
    """
    command = [sys.executable, "-m", "bot.cli", "console", "--port", str(port)]
    return _spawn(command, env, log)


def _spawn(command: List[str], env: Mapping[str, str], log: Path | None) -> subprocess.Popen:
    output = open(log, "ab") if log else None  # noqa: SIM115 - the child owns it
    return subprocess.Popen(
        command, env=dict(env), cwd=paths.ROOT, stdout=output, stderr=subprocess.STDOUT if log else None
    )


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 300.0) -> None:
    """Poll `url` until it answers 200; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"server for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1.0)
    raise ServerError(f"{url} did not come up within {timeout:.0f} s")


def stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    """Terminate a child politely, then kill it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
