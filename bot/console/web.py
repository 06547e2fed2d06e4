"""What every console route shares: the app's state, the signed-in staff member, rendering."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Mapping, Optional

import jinja2
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.console import audit, i18n, sessions
from bot.console.accounts import find_staff
from bot.console.addresses import client_address
from bot.console.audit import Action
from bot.console.models import Role, Staff
from bot.console.security import NotSignedIn, csrf_token, end_session, require_role, session_token
from bot.handoff.conversation import RasaConversations
from bot.settings import Settings

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# Row ids are SQL INTEGERs: PostgreSQL's hold 2**31 - 1 at most, and a bigger
# number would make the database driver raise instead of finding nothing.
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class ConsoleState:
    """What the routes need, built once by `create_app` (app.state.console)."""

    settings: Settings
    sessions: sessionmaker
    rasa: RasaConversations
    templates: Jinja2Templates
    # Keys the hash the audit log keeps of login names that name no account.
    name_key: bytes
    # Deletes one person's conversation everywhere (bot/retention.py), wired in by
    # the composition root that starts the console; None where nobody wired it.
    forget: Optional[Callable[[str], object]] = None

    def db(self) -> Session:
        """A new database session (use it in a `with`)."""
        return self.sessions()

    @property
    def session_max_age(self) -> dt.timedelta:
        """How long a login lasts (`console.session_minutes`)."""
        return dt.timedelta(minutes=self.settings.console.session_minutes)


def make_templates() -> Jinja2Templates:
    """Jinja2 with autoescaping for every template, and errors for undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return Jinja2Templates(env=env)


def state(request: Request) -> ConsoleState:
    """The console's state."""
    return request.app.state.console


def client_ip(request: Request) -> str:
    """The client's address: the peer, or behind a trusted proxy the address it forwarded (addresses.py)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        state(request).settings.console.trusted_proxies,
    )


def ui_language(request: Request) -> str:
    """The UI language chosen in the session (Japanese by default)."""
    return i18n.ui_language(request.session.get("lang"))


def signed_in(request: Request, roles: Iterable[Role]) -> Staff:
    """The signed-in, active staff member if they have one of `roles`.

    Raises NotSignedIn (the login page follows) or a 403, which is audited.
    Blocking: call it from a sync route or a thread.
    """
    console = state(request)
    token = session_token(request)
    staff = None
    if token is not None:
        with console.db() as db:
            login = sessions.session_login(db, token, console.session_max_age)
            staff = find_staff(db, login) if login is not None else None
    if staff is None or not staff.active:
        if token is not None:
            end_session(request)
        raise NotSignedIn()
    try:
        require_role(staff, roles)
    except HTTPException:
        with console.db() as db:
            audit.record(
                db,
                staff.login,
                Action.DENIED,
                ticket_id=parse_id(request.path_params.get("ticket_id")),
                details=f"role {staff.role}: {request.method} {request.url.path}",
                ip=client_ip(request),
            )
        raise
    return staff


def signed_in_login(request: Request) -> Optional[str]:
    """Who the session signs in, without any role check (for auditing refusals); blocking."""
    token = session_token(request)
    if token is None:
        return None
    with state(request).db() as db:
        return sessions.session_login(db, token, state(request).session_max_age)


def render(
    request: Request,
    template: str,
    context: Optional[Mapping[str, Any]] = None,
    status_code: int = 200,
    me: Optional[Staff] = None,
) -> Response:
    """A page in the session's UI language, with the signed-in staff member and the CSRF token."""
    ui = ui_language(request)
    base: Dict[str, Any] = {
        "ui": ui,
        "t": i18n.labels(ui),
        "tr": functools.partial(i18n.text, ui),
        "me": me,
        "is_admin": me is not None and me.role == Role.ADMIN.value,
        "csrf": csrf_token(request),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return state(request).templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code)


def safe_next(target: Any) -> str:
    """A local path to go back to after a form (never another site)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def parse_id(value: Any, minimum: int = 1) -> Optional[int]:
    """A row id typed into a path or a query string, or None if it cannot be one (not minimum..MAX_ID)."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= MAX_ID else None
