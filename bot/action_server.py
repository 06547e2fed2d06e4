"""Run the action server (rasa_sdk) on loopback, answering only requests that carry Soba's secret.

    SOBA_ACTION_TOKEN=… python -m bot.action_server --port 5055 [--interface 127.0.0.1]

rasa_sdk checks nothing: whoever reaches its port can run any action with a
tracker they write themselves, and Soba's actions write tickets (security
review H2). So it listens on 127.0.0.1 unless told otherwise (scale-out puts
it on a private network, docs/deploy.md), and every request except
`GET /health` must carry the shared secret in `X-Soba-Action-Token`, which
Rasa sends (endpoints.yml `headers`). A failed action answers 500 without
echoing the tracker back (rasa_sdk's own handler returns the whole request
body, a worker's conversation).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import Any, List

from bot.core.faults import crash_point

TOKEN_HEADER = "X-Soba-Action-Token"
OPEN_PATHS = frozenset({"/health"})

logger = logging.getLogger("bot.action_server")


def create_app(token: str) -> Any:
    """rasa_sdk's app for the `actions` package, behind the token check."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response
    from sanic.request import Request

    app = create_sdk_app("actions", cors_origins=None, auto_reload=False)
    expected = token.encode("utf-8")

    @app.middleware("request")
    async def require_token(request: Request) -> Any:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            logger.warning("Action server request to %s from %s refused: no valid token.", request.path, request.ip)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.middleware("response")
    async def after_action(request: Request, _response: Any) -> None:
        if request.path == "/webhook":
            crash_point("action.done")

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> Any:
        logger.error("Action request failed (%s).", type(exception).__name__, exc_info=exception)
        return response.json({"error": "action failed"}, status=500)

    return app


def main(argv: List[str] | None = None) -> None:
    """Serve the actions until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--interface", default=os.environ.get("SOBA_ACTION_INTERFACE", "127.0.0.1"))
    args = parser.parse_args(argv)
    token = os.environ.get("SOBA_ACTION_TOKEN", "").strip()
    if not token:
        sys.exit("bot.action_server: set SOBA_ACTION_TOKEN (soba run generates one into var/action-token)")
    logging.basicConfig(
        level=os.environ.get("SOBA_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(token)
    logger.info("Action server on http://%s:%d", args.interface, args.port)
    app.run(args.interface, args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
