"""Logging in and out, the UI language switch, and the health check."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.console import audit, i18n, sessions, throttle
from bot.console.accounts import MAX_LOGIN_FIELD_CHARS, MAX_PASSWORD_FIELD_CHARS, LoginAttempt, authenticate
from bot.console.audit import Action
from bot.console.security import QUEUE_ROLES, NotSignedIn, checked_form, end_session, session_token, start_session
from bot.console.throttle import DEVICE_COOKIE, DEVICE_COOKIE_DAYS, Throttled
from bot.console.web import client_ip, render, safe_next, signed_in, state, ui_language


def login_page(request: Request) -> Response:
    """The login form (after logging out, with a note saying so)."""
    message = "logged_out" if request.query_params.get("bye") else ""
    notice = i18n.text(ui_language(request), message) if message else ""
    context = {"next": safe_next(request.query_params.get("next")), "message": message, "notice": notice}
    return render(request, "login.html", context)


def _login_form(request: Request, target: str, message: str, status_code: int, **values: Any) -> Response:
    """The login form again, with `message` (a UI text key) filled with `values`."""
    notice = i18n.text(ui_language(request), message, **values)
    return render(request, "login.html", {"next": target, "message": message, "notice": notice}, status_code)


async def login(request: Request) -> Response:
    """Check the login and password (throttled, audited); sign in and go on.

    A login or password field longer than any real one is refused before
    anything is looked up or stored (security review M9).
    """
    form = await checked_form(request)
    typed_login, password = str(form.get("login") or "").strip(), str(form.get("password") or "")
    target = safe_next(form.get("next"))
    ip = client_ip(request)
    if len(typed_login) > MAX_LOGIN_FIELD_CHARS or len(password) > MAX_PASSWORD_FIELD_CHARS:

        def refuse() -> None:
            with state(request).db() as db:
                audit.record_anonymous_refusal(db, Action.LOGIN_REFUSED, ip, details="login form field too long")

        await run_in_threadpool(refuse)
        return _login_form(request, target, "login_failed", 400)
    # The browser's known-device cookie, or a new one to give it if this login succeeds.
    sent_device = request.cookies.get(DEVICE_COOKIE)
    device = sent_device if throttle.device_key(sent_device) else secrets.token_urlsafe(32)
    attempt = LoginAttempt(typed_login, password, ip, throttle.device_key(device))

    def check() -> str | None:
        """The new session's id if the login is right."""
        console = state(request)
        with console.db() as db:
            staff = authenticate(db, attempt, console.name_key)
            return None if staff is None else sessions.open_session(db, staff.login, console.session_max_age)

    try:
        token = await run_in_threadpool(check)
    except Throttled as throttled:
        response = _login_form(request, target, "login_throttled", 429, seconds=throttled.retry_after)
        response.headers["retry-after"] = str(throttled.retry_after)
        return response
    if token is None:
        return _login_form(request, target, "login_failed", 401)
    start_session(request, token)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=int(dt.timedelta(days=DEVICE_COOKIE_DAYS).total_seconds()),
        path="/login",
        secure=state(request).settings.console.secure_cookie,
        httponly=True,
        samesite="lax",
    )
    return response


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
