"""Logging in and out, the UI language switch, and the health check."""

from __future__ import annotations

from typing import List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.console import audit, i18n, sessions
from bot.console.accounts import LoginAttempt, Throttled, authenticate
from bot.console.audit import Action
from bot.console.security import (
    QUEUE_ROLES,
    NotSignedIn,
    checked_form,
    client_ip,
    end_session,
    session_token,
    start_session,
)
from bot.console.web import render, safe_next, signed_in, state


def login_page(request: Request) -> Response:
    """The login form (after logging out, with a note saying so)."""
    message = "logged_out" if request.query_params.get("bye") else ""
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next")), "message": message})


async def login(request: Request) -> Response:
    """Check the login and password (throttled, audited); sign in and go on."""
    form = await checked_form(request)
    attempt = LoginAttempt(str(form.get("login") or "").strip(), str(form.get("password") or ""), client_ip(request))
    target = safe_next(form.get("next"))

    def check() -> str | None:
        """The new session's id if the login is right."""
        console = state(request)
        with console.db() as db:
            staff = authenticate(db, attempt)
            return None if staff is None else sessions.open_session(db, staff.login, console.session_max_age)

    try:
        token = await run_in_threadpool(check)
    except Throttled:
        return render(request, "login.html", {"next": target, "message": "login_throttled"}, status_code=429)
    if token is None:
        return render(request, "login.html", {"next": target, "message": "login_failed"}, status_code=401)
    start_session(request, token)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    """End this browser's session at once (its cookie, or a copy of it, signs nobody in any more); audited."""
    await checked_form(request)
    token = session_token(request)

    def record() -> None:
        try:
            staff = signed_in(request, QUEUE_ROLES)
        except NotSignedIn:
            return
        with state(request).db() as db:
            if token is not None:
                sessions.end_session(db, token)
            audit.record(db, staff.login, Action.LOGOUT, ip=client_ip(request))

    await run_in_threadpool(record)
    end_session(request)
    return RedirectResponse("/login?bye=1", status_code=303)


async def switch_language(request: Request) -> Response:
    """Switch the UI between Japanese and English (kept in the session)."""
    form = await checked_form(request)
    request.session["lang"] = i18n.ui_language(form.get("lang"))
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


def health(request: Request) -> Response:
    """For `soba run` and load balancers: the console is up."""
    return PlainTextResponse("ok")


routes: List[Route] = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/lang", switch_language, methods=["POST"]),
    Route("/health", health, methods=["GET"]),
]
