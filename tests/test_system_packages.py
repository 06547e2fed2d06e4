"""`make test` on a fresh machine: Debian's Chromium and CJK fonts are installed, or the one command is printed."""

from __future__ import annotations

import os
import subprocess

from bot import paths

SCRIPT = paths.ROOT / "scripts" / "system_packages.sh"


def run(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


def test_nothing_to_do_when_chromium_and_fonts_are_there() -> None:
    assert run().returncode == 0


def test_a_missing_chromium_stops_with_the_one_command_to_run() -> None:
    result = run(SOBA_CHROMIUM="/nonexistent/chromium", SOBA_NO_INSTALL="1")

    assert result.returncode == 1
    assert "apt-get install -y --no-install-recommends chromium fonts-noto-cjk" in result.stderr
