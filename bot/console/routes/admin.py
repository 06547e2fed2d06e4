"""Admin pages: the staff list (with each account's office) and the audit log (admins only; others get 403)."""

from __future__ import annotations

from typing import List

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console import audit, i18n
from bot.console.accounts import AccountError, all_staff, find_staff, set_languages
from bot.console.audit import Action
from bot.console.security import ADMIN_ROLES, checked_form
from bot.console.web import client_ip, parse_id, render, signed_in, state, ui_language
from bot.handoff.offices import get_offices

AUDIT_PAGE_SIZE = 300


def staff_page(request: Request) -> Response:
    """Every account with its role and whether it is active (viewing is audited)."""
    me = signed_in(request, ADMIN_ROLES)
    ui = ui_language(request)
    with state(request).db() as db:
        audit.record(db, me.login, Action.VIEW_STAFF, ip=client_ip(request))
        rows = [
            {
                "login": staff.login,
                "name": staff.display_name,
                "role": i18n.text(ui, f"role_{staff.role}"),
                "active": staff.active,
                "created": i18n.local_time(staff.created_at),
                "office": staff.office or "",
                "languages": ",".join(staff.reads),
            }
            for staff in all_staff(db)
        ]
    offices = [(office.id, office.name(ui)) for office in get_offices().offices.values()]
    context = {"rows": rows, "offices": offices, "office_scoped": state(request).settings.console.office_scoped}
    return render(request, "admin_staff.html", context, me=me)


async def set_office(request: Request) -> Response:
    """Set the office whose tickets an account sees when access is office-scoped (audited)."""
    form = await checked_form(request)
    login, office = str(form.get("login") or ""), str(form.get("office") or "")

    def change() -> None:
        me = signed_in(request, ADMIN_ROLES)
        if office and office not in get_offices().offices:
            raise HTTPException(status_code=400)
        with state(request).db() as db:
            staff = find_staff(db, login)
            if staff is None:
                raise HTTPException(status_code=404)
            staff.office = office or None
            details = f"login={staff.login} office={office or '-'}"
            audit.record(db, me.login, Action.SET_OFFICE, details=details, ip=client_ip(request))

    await run_in_threadpool(change)
    return RedirectResponse("/admin/staff", status_code=303)


async def set_staff_languages(request: Request) -> Response:
    """Set the languages an account reads, as comma-separated codes (audited); 400 for an unknown code."""
    form = await checked_form(request)
    login, languages = str(form.get("login") or ""), str(form.get("languages") or "")

    def change() -> None:
        me = signed_in(request, ADMIN_ROLES)
        with state(request).db() as db:
            if find_staff(db, login) is None:
                raise HTTPException(status_code=404)
            known = state(request).settings.language_codes
            try:
                set_languages(db, login, languages.split(","), known, actor=me.login, ip=client_ip(request))
            except AccountError:
                raise HTTPException(status_code=400) from None

    await run_in_threadpool(change)
    return RedirectResponse("/admin/staff", status_code=303)


def audit_page(request: Request) -> Response:
    """The newest audit entries, optionally for one staff login (?staff=) or ticket (?ticket=); viewing is audited."""
    me = signed_in(request, ADMIN_ROLES)
    ui = ui_language(request)
    staff = request.query_params.get("staff") or None
    ticket = request.query_params.get("ticket") or ""
    ticket_id = parse_id(ticket)
    with state(request).db() as db:
        details = " ".join(f"{key}={value}" for key, value in (("staff", staff), ("ticket", ticket_id)) if value)
        audit.record(db, me.login, Action.VIEW_AUDIT, details=details, ip=client_ip(request))
        entries = audit.recent(db, AUDIT_PAGE_SIZE, staff=staff, ticket_id=ticket_id)
    labels = i18n.labels(ui)
    rows = [
        {
            "at": i18n.local_time(entry.at, with_seconds=True),
            "staff": entry.staff or "",
            "action": labels.get(f"action_{entry.action}", entry.action),
            "action_id": entry.action,
            "ticket": entry.ticket_id,
            "details": entry.details,
            "ip": entry.ip or "",
        }
        for entry in entries
    ]
    return render(request, "admin_audit.html", {"rows": rows, "staff": staff or "", "ticket": ticket}, me=me)


routes: List[Route] = [
    Route("/admin/staff", staff_page, methods=["GET"]),
    Route("/admin/staff/office", set_office, methods=["POST"]),
    Route("/admin/staff/languages", set_staff_languages, methods=["POST"]),
    Route("/admin/audit", audit_page, methods=["GET"]),
]
