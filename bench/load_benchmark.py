"""Load: Soba as `make run` starts it, and stock Rasa's `rasa init` assistant, driven side by side in one run.

    python -m bench.load_benchmark                 # make bench-load: 1, 10, 50, 100 clients
    python -m bench.load_benchmark --levels 1,10   # fewer levels

Soba runs as `make run` runs it: the current model, the action server, the
Rasa server with every channel, a fresh SQLite database. Stock Rasa is the
assistant `rasa init` creates and trains (DIET and TED, no action server,
default endpoints: an in-memory tracker store), in a temporary directory.

A second process (this one) drives each over loopback through the REST
channel: at each level, that many conversations are in flight at once, each
sending TURNS messages one after another (each waits for its reply), drawn
from Soba's held-out sets, until the level's turn or time budget is spent.
Every load comes from one address, so Soba's per-address limits are lifted
for the run as they are for the tests.

Printed per level and system: turns/s, p50/p95/p99 latency, errors (no 200,
or not a JSON list), turns with no reply at all, turn 1 and turn 20 of a
conversation apart, the Rasa server's resident memory at the end, and the
servers' CPU time per turn (Rasa and action server together).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

import aiohttp

from bot import processes
from bot.db import session_factory
from bot.evaluation import BLIND_DIR, load_examples, load_hard_examples, percentile
from bot.settings import load_settings

LEVELS = (1, 10, 50, 100)
TURNS = 20
MAX_TURNS_PER_LEVEL = 2000
MAX_SECONDS_PER_LEVEL = 60.0
REQUEST_TIMEOUT_SECONDS = 30.0
# All load comes from 127.0.0.1: Soba's per-address limits would refuse most of it.
LIFTED_LIMITS = {
    "SOBA_LIMIT_ADDRESS_PER_MINUTE": "1000000",
    "SOBA_LIMIT_ADDRESS_BURST": "1000000",
    "SOBA_LIMIT_CONVERSATION_PER_MINUTE": "1000000",
    "SOBA_LIMIT_CONVERSATION_BURST": "1000000",
    "SOBA_LIMIT_TICKETS_PER_ADDRESS_PER_HOUR": "1000000",
}


@dataclass
class Turn:
    """One message and its reply, as the client saw it."""

    index: int
    seconds: float
    ok: bool
    replied: bool


@dataclass
class System:
    """A running server to drive, and the processes whose CPU and memory count."""

    name: str
    url: str
    pids: List[int]
    rasa_pid: int


@dataclass
class Level:
    """What one level of load measured for one system."""

    clients: int
    turns: List[Turn] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    rss_mb: float = 0.0

    def latencies(self, index: int | None = None) -> List[float]:
        return [t.seconds for t in self.turns if t.ok and (index is None or t.index == index)]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def conversation_messages(count: int, seed: int = 15) -> List[List[str]]:
    """`count` conversations of TURNS messages from the held-out sets (questions as people write them)."""
    texts = [e.text for e in [*load_hard_examples(), *load_hard_examples(BLIND_DIR), *load_examples()]]
    rng = random.Random(seed)
    return [[rng.choice(texts) for _ in range(TURNS)] for _ in range(count)]


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def converse(
    session: aiohttp.ClientSession, url: str, sender: str, messages: Sequence[str], deadline: float, out: List[Turn]
) -> None:
    """One person: each message waits for the reply to the one before."""
    for index, text in enumerate(messages, start=1):
        if time.monotonic() > deadline:
            return
        start = time.perf_counter()
        ok = replied = False
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as reply:
                body = await reply.json(content_type=None)
                ok = reply.status == 200 and isinstance(body, list)
                replied = ok and any(m.get("text") or m.get("custom") for m in body if isinstance(m, dict))
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            pass
        out.append(Turn(index, time.perf_counter() - start, ok, replied))


async def drive(system: System, clients: int, conversations: List[List[str]], seconds: float) -> Level:
    """Keep `clients` conversations in flight until the turn or time budget is spent."""
    level = Level(clients)
    budget = min(len(conversations), max(clients, MAX_TURNS_PER_LEVEL // TURNS))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(budget):
        queue.put_nowait(number)
    deadline = time.monotonic() + seconds
    run_id = secrets.token_hex(4)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=clients)

    async def person() -> None:
        while not queue.empty() and time.monotonic() < deadline:
            number = queue.get_nowait()
            sender = f"load-{run_id}-{clients}-{number}"
            await converse(session, system.url, sender, conversations[number], deadline, level.turns)

    cpu_before = cpu_seconds(system.pids)
    start = time.perf_counter()
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(person() for _ in range(clients)))
    level.seconds = time.perf_counter() - start
    level.cpu_seconds = cpu_seconds(system.pids) - cpu_before
    level.rss_mb = rss_mb(system.rasa_pid)
    return level


@contextlib.contextmanager
def soba(workdir: Path) -> Iterator[System]:
    """Soba as `make run` starts it, on free ports and a fresh SQLite database."""
    database_url = f"sqlite:///{workdir / 'soba.db'}"
    settings = load_settings(env={"SOBA_DATABASE_URL": database_url})
    rasa_port, action_port = free_port(), free_port()
    env = processes.child_env(
        settings, action_port=action_port, extra={"SOBA_ACTION_PORT": str(action_port), **LIFTED_LIMITS}
    )
    model = processes.train(env)
    session_factory(database_url)
    actions = processes.start_action_server(env, action_port, log=workdir / "soba-actions.log")
    rasa = processes.start_rasa_server(
        env, model, rasa_port, auth_token=secrets.token_urlsafe(24), log=workdir / "soba-rasa.log"
    )
    try:
        processes.wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        processes.wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        yield System("Soba", f"http://127.0.0.1:{rasa_port}", [rasa.pid, actions.pid], rasa.pid)
    finally:
        processes.stop(rasa)
        processes.stop(actions)


@contextlib.contextmanager
def stock_rasa(workdir: Path) -> Iterator[System]:
    """The assistant `rasa init` creates, trained and served with its default endpoints."""
    project = workdir / "rasa-init"
    project.mkdir()  # `rasa init --init-dir` wants it to exist
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = workdir / "stock-rasa.log"
    with log.open("ab") as output:
        subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
            env=env, cwd=workdir, stdout=output, stderr=subprocess.STDOUT, check=True,
        )  # fmt: skip
    port = free_port()
    with log.open("ab") as output:
        rasa = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--port", str(port), "--enable-api"],
            env=env, cwd=project, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        processes.wait_until_up(f"http://127.0.0.1:{port}/", rasa)
        yield System("Stock Rasa (rasa init)", f"http://127.0.0.1:{port}", [rasa.pid], rasa.pid)
    finally:
        processes.stop(rasa)


def run_levels(
    system: System, levels: Sequence[int], conversations: List[List[str]], seconds: float
) -> Dict[int, Level]:
    """Every level against one system; a short warm-up first (model and indexes loaded)."""
    asyncio.run(drive(system, 1, conversation_messages(2, seed=1), seconds))
    results = {}
    for clients in levels:
        results[clients] = asyncio.run(drive(system, clients, conversations, seconds))
        print(f"{system.name}, {clients} clients: {len(results[clients].turns)} turns", flush=True)
    return results


def row(name: str, level: Level) -> str:
    """One line of the table."""
    turns = len(level.turns)
    ok = level.latencies()
    first, twentieth = level.latencies(1), level.latencies(TURNS)
    errors = sum(1 for t in level.turns if not t.ok)
    silent = sum(1 for t in level.turns if t.ok and not t.replied)
    ms = lambda values, share: f"{percentile(values, share) * 1000:.0f}" if values else "–"  # noqa: E731
    return (
        f"| {level.clients} | {name} | {turns} | {turns / level.seconds:.1f} | {ms(ok, 0.5)} | {ms(ok, 0.95)} "
        f"| {ms(ok, 0.99)} | {errors} | {silent} | {ms(first, 0.5)} | {ms(twentieth, 0.5)} "
        f"| {level.rss_mb:.0f} | {level.cpu_seconds / max(turns, 1) * 1000:.1f} |"
    )


def table(results: Dict[str, Dict[int, Level]], levels: Sequence[int]) -> str:
    """Both systems at each level, and Soba's throughput as a multiple of stock Rasa's."""
    lines = [
        "| clients | system | turns | turns/s | p50 ms | p95 ms | p99 ms | errors | no reply "
        "| turn 1 p50 ms | turn 20 p50 ms | Rasa RSS MB | server CPU ms/turn |",
        "|---" * 13 + "|",
    ]
    for clients in levels:
        for name, by_level in results.items():
            lines.append(row(name, by_level[clients]))
    names = list(results)
    if len(names) == 2:
        lines.append("")
        for clients in levels:
            ours, theirs = (results[name][clients] for name in names)
            ratio = (len(ours.turns) / ours.seconds) / max(len(theirs.turns) / theirs.seconds, 1e-9)
            lines.append(f"- {clients} clients: {names[0]} does {ratio:.2f}× the turns/s of {names[1]}")
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    """Start each system, drive it at every level, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrent conversations per level")
    parser.add_argument("--soba-only", action="store_true", help="skip stock Rasa")
    parser.add_argument("--seconds", type=float, default=MAX_SECONDS_PER_LEVEL, help="time budget per level")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    conversations = conversation_messages(MAX_TURNS_PER_LEVEL // TURNS + max(levels))
    results: Dict[str, Dict[int, Level]] = {}
    with tempfile.TemporaryDirectory(prefix="soba-load-") as tmp:
        workdir = Path(tmp)
        with soba(workdir) as system:
            results[system.name] = run_levels(system, levels, conversations, args.seconds)
        if not args.soba_only:
            with stock_rasa(workdir) as system:
                results[system.name] = run_levels(system, levels, conversations, args.seconds)
    print(f"\n## Load, REST over loopback, {TURNS}-turn conversations, at most {MAX_TURNS_PER_LEVEL} turns "
          f"or {args.seconds:.0f} s per level, {os.cpu_count()} cores")  # fmt: skip
    print(table(results, levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
