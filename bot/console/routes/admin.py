"""Admin pages: the staff list and the audit log (admins only; others get 403)."""

from __future__ import annotations

from typing import List

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console import audit, i18n
from bot.console.accounts import all_staff
from bot.console.audit import Action
from bot.console.security import ADMIN_ROLES
from bot.console.web import client_ip, parse_id, render, signed_in, state, ui_language

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
            }
            for staff in all_staff(db)
        ]
    return render(request, "admin_staff.html", {"rows": rows}, me=me)


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
    Route("/admin/audit", audit_page, methods=["GET"]),
]
