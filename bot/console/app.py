"""The staff console as a Starlette app, and how `soba console` serves it.

    python -m bot.cli console [--port 8000]

Routes live in bot/console/routes/ (one module per resource), pages in
templates/, the two scripts (the transcript's poll, the phrasebook) and the style in static/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Callable, Mapping, Optional
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bot.console import audit
from bot.console.audit import Action
from bot.console.routes import admin, auth, queue, tickets
from bot.console.secret import console_secret
from bot.console.security import SESSION_COOKIE, CsrfError, NotSignedIn, SecurityHeaders
from bot.console.web import (
    STATIC_DIR,
    ConsoleState,
    client_ip,
    make_templates,
    parse_id,
    render,
    signed_in_login,
)
from bot.db import session_factory
from bot.handoff.conversation import RasaConversations
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Paths answered with JSON rather than pages (the transcript poll).
JSON_SUFFIX = "/lines"


def create_app(
    settings: Settings,
    rasa: RasaConversations,
    secret: str,
    forget: Optional[Callable[[str], object]] = None,
) -> Starlette:
    """The console on `settings.database_url`, talking to the Rasa server `rasa`, signing cookies with `secret`.

    `forget(conversation_id)` deletes a person's conversation on request (the
    composition root passes `bot.retention.forget_conversation`).
    """
    console = ConsoleState(
        settings=settings,
        sessions=session_factory(settings.database_url),
        rasa=rasa,
        templates=make_templates(),
        name_key=hashlib.sha256(b"soba-console-login-names:" + secret.encode()).digest(),
        forget=forget,
    )
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie=SESSION_COOKIE,
            max_age=int(dt.timedelta(minutes=settings.console.session_minutes).total_seconds()),
            same_site="lax",
            https_only=settings.console.secure_cookie,
        ),
    ]
    routes = [
        *auth.routes,
        *queue.routes,
        *tickets.routes,
        *admin.routes,
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={NotSignedIn: _not_signed_in, HTTPException: _http_error},
    )
    app.state.console = console
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(JSON_SUFFIX)


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    """Pages send the browser to the login page (and back afterwards); the poll gets a 401."""
    if _wants_json(request):
        return JSONResponse({"error": "not signed in"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    """403 and 404 as pages in the UI language (JSON for the poll); a failed CSRF check is audited."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if isinstance(exc, CsrfError):
        await run_in_threadpool(_audit_csrf_failure, request)
    if _wants_json(request):
        return JSONResponse({"error": status}, status_code=status)
    key = "error_csrf" if isinstance(exc, CsrfError) else ("error_403" if status == 403 else "error_404")
    if status not in (403, 404):
        key = "error_title"
    return render(request, "error.html", {"message_key": key}, status_code=status)


def _audit_csrf_failure(request: Request) -> None:
    """Record a form refused for its CSRF token: a staff member's always, nobody's once a minute per address."""
    login = signed_in_login(request)
    ticket_id = parse_id(request.path_params.get("ticket_id"))
    details = f"{request.method} {request.url.path}"
    ip = client_ip(request)
    with request.app.state.console.db() as db:
        if login is not None:
            audit.record(db, login, Action.CSRF_FAILED, ticket_id=ticket_id, details=details, ip=ip)
        else:
            audit.record_anonymous_refusal(db, Action.CSRF_FAILED, ip, details=details)


def app_from_environment(
    env: Optional[Mapping[str, str]] = None, forget: Optional[Callable[[str], object]] = None
) -> Starlette:
    """The console configured as `soba run` starts it (settings.yml, SOBA_* variables)."""
    from bot.settings import get_settings

    settings = get_settings()
    return create_app(settings, RasaConversations.from_settings(settings, env), console_secret(env), forget)


def serve(port: int, host: str = "127.0.0.1", forget: Optional[Callable[[str], object]] = None) -> None:
    """Serve the console with uvicorn until interrupted."""
    import uvicorn

    app = app_from_environment(forget=forget)
    logger.info("Staff console on http://%s:%d", host, port)
    # No WebSockets here (the poll is plain HTTP); Rasa's pin of `websockets` is
    # older than uvicorn's WebSocket protocols would import. No access log:
    # every open ticket polls every 2 s, and the audit log says who did what.
    # No proxy headers: the console decides whom to believe itself
    # (`console.trusted_proxies`, bot/console/addresses.py).
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        ws="none",
    )
