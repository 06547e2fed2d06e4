"""Who is signed in, what they may do, and the checks every request passes.

The session cookie is Starlette's SessionMiddleware (signed; HttpOnly,
SameSite=Lax, and Secure when `console.secure_cookie` is on, as it must be
behind https). Signed in, it holds only a random session id, whose row in
the database says who it is (bot/console/sessions.py), and the UI language;
it never names the staff member (review finding L9). Before signing in, it
holds the login form's CSRF token. Every POST form sends a CSRF token back:
for a signed-in browser it is derived from the session id, so it changes at
every login and cannot be read from the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Iterable, Optional

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console.models import Role, Staff

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


def session_token(request: Request) -> Optional[str]:
    """The server-side session id the cookie carries, if any (valid or not: the database decides)."""
    token = request.session.get("sid")
    return token if isinstance(token, str) and token else None


def _csrf_for(token: str) -> str:
    digest = hmac.new(token.encode(), b"soba-console-csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_token(request: Request) -> str:
    """The CSRF token forms must send: derived from the session id, or a random one kept until login."""
    token = session_token(request)
    if token is not None:
        return _csrf_for(token)
    csrf = request.session.get("csrf")
    if not isinstance(csrf, str) or not csrf:
        csrf = secrets.token_urlsafe(32)
        request.session["csrf"] = csrf
    return csrf


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after checking its CSRF token against the session's (403 otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    token = session_token(request)
    expected = _csrf_for(token) if token is not None else request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not expected:
        raise CsrfError()
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError()
    return form


def start_session(request: Request, token: str) -> None:
    """Put the new server-side session `token` in the cookie, keeping only the UI language (no fixation)."""
    language = request.session.get("lang")
    request.session.clear()
    request.session.update({"sid": token, **({"lang": language} if language else {})})


def end_session(request: Request) -> None:
    """Forget the session in the cookie, keeping the UI language for the login page."""
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language


def require_role(staff: Staff, roles: Iterable[Role]) -> None:
    """403 unless `staff` has one of `roles`."""
    if Role(staff.role) not in set(roles):
        raise HTTPException(status_code=403, detail="role")
