"""Who is signed in, what they may do, and the checks every request passes.

Sessions live in a signed cookie (Starlette's SessionMiddleware: HttpOnly,
SameSite=Lax, Secure when settings say so). A session holds the login, when
it signed in (sessions expire after `console.session_minutes`), the UI
language and a random CSRF token that every POST form must send back.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any, Iterable, Mapping, Optional

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console.models import Role, Staff
from bot.core.tables import utcnow

CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "soba_console"

# Which roles may do what.
QUEUE_ROLES = frozenset({Role.COUNSELOR, Role.TRAINER, Role.ADMIN})
TICKET_ROLES = frozenset({Role.COUNSELOR, Role.ADMIN})
ADMIN_ROLES = frozenset({Role.ADMIN})

# Pages hold workers' conversations: the browser may load nothing from
# elsewhere, run no inline script, be framed by nobody, and cache nothing.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


class NotSignedIn(Exception):
    """The request needs a signed-in staff member and has none (or the session expired)."""


class CsrfError(HTTPException):
    """A POST without the session's CSRF token."""

    def __init__(self) -> None:
        super().__init__(status_code=403, detail="csrf")


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after checking its CSRF token against the session's (403 otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
        raise CsrfError()
    return form


def start_session(request: Request, staff: Staff, now: Optional[dt.datetime] = None) -> None:
    """Sign `staff` in: a fresh session (new CSRF token), keeping only the UI language."""
    language = request.session.get("lang")
    request.session.clear()
    request.session.update(
        {
            "login": staff.login,
            "since": (now or utcnow()).timestamp(),
            "csrf": secrets.token_urlsafe(32),
            **({"lang": language} if language else {}),
        }
    )


def end_session(request: Request) -> None:
    """Sign out, keeping the UI language for the login page."""
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language


def session_login(
    session: Mapping[str, Any], max_age: dt.timedelta, now: Optional[dt.datetime] = None
) -> Optional[str]:
    """The signed-in login, if the session has one that has not expired."""
    login, since = session.get("login"), session.get("since")
    if not login or not isinstance(since, (int, float)):
        return None
    if (now or utcnow()).timestamp() - since > max_age.total_seconds():
        return None
    return str(login)


def require_role(staff: Staff, roles: Iterable[Role]) -> None:
    """403 unless `staff` has one of `roles`."""
    if Role(staff.role) not in set(roles):
        raise HTTPException(status_code=403, detail="role")


def client_ip(request: Request) -> str:
    """The client's address (uvicorn applies X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"
