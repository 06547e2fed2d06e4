"""Run the Rasa server (`rasa run`) with Soba's patches and without the API token in argv.

    SOBA_RASA_TOKEN=… python -m bot.server --model models/x.tar.gz --port 5005 \\
        --endpoints endpoints.yml --credentials credentials.yml

Rasa takes its API token only on the command line, where every local user
can read it with `ps` (security review M1). This entry point reads it from
the environment (`SOBA_RASA_TOKEN`) or a file (`SOBA_RASA_TOKEN_FILE`), both
readable by the owner only, and hands it to Rasa's own command line parser
inside the process, which `ps` does not show. Everything else is `rasa run`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List


class TokenMissing(RuntimeError):
    """Neither SOBA_RASA_TOKEN nor SOBA_RASA_TOKEN_FILE gives a token."""


def api_token(env: os._Environ[str] | dict[str, str]) -> str:
    """The API token from the environment or the owner-only file it names."""
    token = env.get("SOBA_RASA_TOKEN", "").strip()
    if not token and env.get("SOBA_RASA_TOKEN_FILE"):
        token = Path(env["SOBA_RASA_TOKEN_FILE"]).read_text(encoding="utf-8").strip()
    if not token:
        raise TokenMissing("set SOBA_RASA_TOKEN or SOBA_RASA_TOKEN_FILE: Rasa's HTTP API always needs a token")
    return token


def main(argv: List[str] | None = None) -> None:
    """`rasa run --enable-api <argv>` with the token added in-process."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if any(argument.startswith("--auth-token") for argument in arguments):
        sys.exit("bot.server: pass the token in SOBA_RASA_TOKEN, never on the command line")
    try:
        token = api_token(os.environ)
    except (TokenMissing, OSError) as error:
        sys.exit(f"bot.server: {error}")
    from bot import rasa_patches

    rasa_patches.apply()
    import rasa.__main__

    # One argument: a token that starts with "-" would otherwise read as an option.
    sys.argv = ["rasa", "run", "--enable-api", *arguments, f"--auth-token={token}"]
    rasa.__main__.main()


if __name__ == "__main__":
    main()
