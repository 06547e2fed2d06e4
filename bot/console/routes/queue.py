"""The queue: tickets with filters, urgent first, with waiting time, office, language and topic guesses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console import i18n
from bot.console.access import may_see
from bot.console.accounts import all_staff, languages_read
from bot.console.models import Role
from bot.console.security import QUEUE_ROLES
from bot.console.topics import topic_title
from bot.console.web import render, signed_in, state, ui_language
from bot.core.tables import utcnow
from bot.handoff.models import ACTIVE_STATUSES, Priority, Status
from bot.handoff.offices import get_offices
from bot.handoff.queue import QueueFilter, queue
from bot.settings import written_in

ACTIVE = "active"
ALL = "all"


@dataclass(frozen=True)
class Row:
    """One ticket in the queue as shown."""

    id: int
    urgent: bool
    priority: str
    status: str
    waiting: str
    office: str
    language: str
    # No active counselor reads the person's language: an interpreter or the ministry's line is needed.
    nobody_reads: bool
    topics: List[str]
    assignee: str
    channel: str


def queue_filter(params: Dict[str, str], languages: tuple, offices: tuple) -> QueueFilter:
    """The filter the query string asks for; unknown values mean "any"."""
    status = params.get("status") or ACTIVE
    if status == ALL:
        statuses: tuple = tuple(s.value for s in Status)
    elif status in {s.value for s in Status}:
        statuses = (status,)
    else:
        statuses = ACTIVE_STATUSES
    priority = params.get("priority")
    return QueueFilter(
        statuses=statuses,
        language=params.get("language") if params.get("language") in languages else None,
        priority=priority if priority in {p.value for p in Priority} else None,
        office=params.get("office") if params.get("office") in offices else None,
    )


def queue_page(request: Request) -> Response:
    """The queue (counselors and admins open tickets from it; trainers only see it), of the offices one may see."""
    me = signed_in(request, QUEUE_ROLES)
    ui = ui_language(request)
    console = state(request)
    offices = get_offices()
    languages = console.settings.answer_languages
    params = dict(request.query_params)
    filters = queue_filter(params, languages, tuple(offices.offices))
    now = utcnow()
    with console.db() as db:
        entries = [e for e in queue(db, filters, now) if may_see(me, e.ticket, console.settings.console, offices)]
        names = _staff_names(db)
        read = languages_read(db)
    rows = [
        Row(
            id=entry.ticket.id,
            urgent=entry.ticket.priority == Priority.URGENT.value,
            priority=i18n.text(ui, f"priority_{entry.ticket.priority}"),
            status=i18n.text(ui, f"status_{entry.ticket.status}"),
            waiting=i18n.duration(ui, entry.waiting) if entry.waiting is not None else i18n.text(ui, "waiting_person"),
            office=_office_name(offices, entry.ticket.office, ui),
            language=i18n.language_name(ui, entry.ticket.language),
            nobody_reads=written_in(entry.ticket.language) not in read,
            topics=[
                f"{topic_title(g.get('topic', ''), ui)} {round(100 * float(g.get('confidence') or 0))}%"
                for g in (entry.ticket.guesses or [])[:3]
                if g.get("topic")
            ],
            assignee=names.get(entry.ticket.assignee or "", entry.ticket.assignee or ""),
            channel=entry.ticket.channel,
        )
        for entry in entries
    ]
    office_states = [
        {
            "id": office.id,
            "name": office.name(ui),
            "open": offices.is_open(office, now),
            "next": i18n.local_time(offices.next_opening(office, now)),
        }
        for office in offices.offices.values()
    ]
    context: Dict[str, Any] = {
        "rows": rows,
        "params": {key: params.get(key, "") for key in ("status", "language", "priority", "office")},
        "statuses": [s.value for s in Status],
        "languages": [(code, i18n.language_name(ui, code)) for code in languages],
        "priorities": [p.value for p in Priority],
        "offices": office_states,
        "can_open": Role(me.role) is not Role.TRAINER,
    }
    return render(request, "queue.html", context, me=me)


def _office_name(offices: Any, office_id: Optional[str], ui: str) -> str:
    office = offices.offices.get(office_id or "") or offices.offices[offices.default_office]
    return office.name(ui)


def _staff_names(db: Any) -> Dict[str, str]:
    return {staff.login: staff.display_name for staff in all_staff(db)}


routes: List[Route] = [Route("/", queue_page, methods=["GET"])]
