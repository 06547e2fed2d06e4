"""A ticket: the live transcript, reply, insert answer, notes, assign, close and reopen.

Every action is a POST form (CSRF-checked), audited, and followed by a
redirect back to the ticket; a reply that cannot be delivered shows the error
with the typed text still in the box.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.console import audit, i18n
from bot.console.access import may_see, ticket_office
from bot.console.accounts import active_staff, all_staff, find_staff
from bot.console.audit import Action
from bot.console.models import Role, Staff
from bot.console.security import ADMIN_ROLES, TICKET_ROLES, checked_form
from bot.console.topics import answer_in, is_topic, topic_choices, topic_title
from bot.console.transcripts import FROM_TICKET, LineContext, TranscriptPage, read_transcript
from bot.console.web import ConsoleState, client_ip, parse_id, render, signed_in, state, ui_language
from bot.core.tables import utcnow
from bot.handoff import conversation, lifecycle
from bot.handoff.conversation import DeliveryError
from bot.handoff.lifecycle import TransitionError
from bot.handoff.models import Status, Ticket, TicketNote
from bot.handoff.offices import get_offices
from bot.texts import get_texts

logger = logging.getLogger(__name__)

# A reply form's id (uuid4 hex, from the page).
REPLY_ID = re.compile(r"^[0-9a-f]{32}$")

# A poll of the transcript returns at most this many message rows; the page asks again for the rest.
POLL_PAGE_ROWS = 100


class InvalidInput(ValueError):
    """The form is missing something; the value is the UI text key to show."""


@dataclass(frozen=True)
class Problem:
    """Why an action did not happen, shown on the ticket page."""

    message: str
    status_code: int
    reply_text: str = ""
    reply_id: str = ""


def _ticket_id(request: Request) -> int:
    """The ticket id in the path; 404 unless it is a number a ticket id can be (L5: no 500 on 2**63)."""
    ticket_id = parse_id(request.path_params["ticket_id"])
    if ticket_id is None:
        raise HTTPException(status_code=404)
    return ticket_id


def _load(request: Request, db: Session, ticket_id: int, me: Staff) -> Ticket:
    """The ticket, if it exists (404) and `me` may see it (403, audited: L10's office scoping)."""
    ticket = db.get(Ticket, ticket_id)
    if ticket is None:
        raise HTTPException(status_code=404)
    offices = get_offices()
    if not may_see(me, ticket, state(request).settings.console, offices):
        details = f"office {ticket_office(ticket, offices)}: {request.method} {request.url.path}"
        audit.record(db, me.login, Action.DENIED, ticket_id=ticket.id, details=details, ip=client_ip(request))
        raise HTTPException(status_code=403)
    return ticket


def _transcript(
    console: ConsoleState,
    db: Session,
    ticket: Ticket,
    ui: str,
    after: Optional[int] = None,
    source: Optional[str] = None,
    limit: Optional[int] = None,
) -> TranscriptPage:
    """The conversation from the database (bot/console/transcripts.py), after the cursor if one is given."""
    context = LineContext(
        ui=ui,
        language_codes=console.settings.language_codes,
        topic_title=lambda topic: topic_title(topic, ui),
        staff_names={staff.login: staff.display_name for staff in all_staff(db)},
    )
    return read_transcript(db, ticket, context, after, source, limit)


def phrasebook(ui: str, language: str) -> List[Tuple[str, str]]:
    """What counselors often say: (the phrase in the console's language, the same in the person's)."""
    texts = get_texts()
    mine = texts.section(ui, "phrasebook")
    theirs = texts.section(language if language in texts.languages else ui, "phrasebook")
    return [(str(mine[key]), str(theirs.get(key) or mine[key])) for key in mine]


def _page(request: Request, me: Staff, ticket_id: int, problem: Optional[Problem] = None) -> Response:
    """The ticket page (blocking: reads the database)."""
    console, ui = state(request), ui_language(request)
    offices = get_offices()
    now = utcnow()
    with console.db() as db:
        ticket = _load(request, db, ticket_id, me)
        transcript = _transcript(console, db, ticket, ui)
        names = {staff.login: staff.display_name for staff in all_staff(db)}
        notes = db.execute(select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id))
        note_rows = [
            {"author": names.get(note.staff, note.staff), "at": i18n.local_time(note.created_at), "text": note.text}
            for note in notes.scalars()
        ]
        assignable = [s for s in active_staff(db) if _may_take(s, ticket, console)]
        # Also after a refused or failed action: the page shows the transcript again.
        audit.record(db, me.login, Action.VIEW_TICKET, ticket_id=ticket.id, ip=client_ip(request))
    office = offices.offices.get(ticket.office or "") or offices.offices[offices.default_office]
    context: Dict[str, Any] = {
        "ticket": ticket,
        "closed": ticket.status == Status.CLOSED.value,
        "urgent": ticket.priority == "urgent",
        "status": i18n.text(ui, f"status_{ticket.status}"),
        "priority": i18n.text(ui, f"priority_{ticket.priority}"),
        "reason": i18n.labels(ui).get(f"reason_{ticket.reason}", ticket.reason),
        "person_language": i18n.language_name(ui, ticket.language),
        "assignee": names.get(ticket.assignee or "", ticket.assignee or ""),
        "created": i18n.local_time(ticket.created_at),
        "office": {
            "name": office.name(ui),
            "open": offices.is_open(office, now),
            "next": i18n.local_time(offices.next_opening(office, now)),
        },
        "guesses": [
            f"{topic_title(g.get('topic', ''), ui)} {round(100 * float(g.get('confidence') or 0))}%"
            for g in ticket.guesses or []
            if g.get("topic")
        ],
        "transcript": transcript,
        "from_ticket": transcript.source == FROM_TICKET,
        "notes": note_rows,
        "assignable": [(s.login, s.display_name) for s in assignable],
        "topics": topic_choices(ui),
        "phrasebook": phrasebook(ui, ticket.language),
        "problem": problem,
        # One id per reply form: a form sent twice (a retry after a dropped
        # connection) reaches the person once (bot/channels/outbox.py).
        "reply_id": problem.reply_id if problem and problem.reply_id else uuid.uuid4().hex,
        # Where the language switch comes back to (also after a failed POST).
        "here": f"/tickets/{ticket.id}",
    }
    return render(request, "ticket.html", context, status_code=problem.status_code if problem else 200, me=me)


def ticket_page(request: Request) -> Response:
    """The ticket page (viewing is audited)."""
    me = signed_in(request, TICKET_ROLES)
    return _page(request, me, _ticket_id(request))


def ticket_lines(request: Request) -> Response:
    """The lines after `?after=<cursor>` (of `&source=`) as JSON, at most POLL_PAGE_ROWS rows of them.

    static/ticket.js polls this every 2 s with the last cursor it has, so a
    poll returns only what is new (security review L12); without a cursor it
    starts at the beginning. Every answer that carries lines is audited (M7).
    """
    me = signed_in(request, TICKET_ROLES)
    console, ui = state(request), ui_language(request)
    after = request.query_params.get("after")
    cursor = parse_id(after, minimum=0) if after is not None else None
    if after is not None and cursor is None:
        raise HTTPException(status_code=400)
    source = request.query_params.get("source")
    with console.db() as db:
        ticket = _load(request, db, _ticket_id(request), me)
        page = _transcript(console, db, ticket, ui, cursor, source, POLL_PAGE_ROWS)
        if page.lines:
            details = f"{len(page.lines)} lines after {cursor or 0} ({page.source})"
            audit.record(db, me.login, Action.READ_LINES, ticket_id=ticket.id, details=details, ip=client_ip(request))
    return JSONResponse(
        {
            "status": i18n.text(ui, f"status_{ticket.status}"),
            "source": page.source,
            "after": page.after,
            "more": page.more,
            "reset": page.reset,
            "lines": [line.as_json() for line in page.lines],
        }
    )


# An action does its work on (console, db session, ticket, staff member, form) and
# returns what to audit: (action, details).
Work = Callable[[ConsoleState, Session, Ticket, Staff, FormData], "tuple[Action, str]"]


def _act(work: Work) -> Callable[[Request], Any]:
    """A POST route running `work` on the ticket: CSRF-checked, audited, then back to the ticket."""

    async def endpoint(request: Request) -> Response:
        form = await checked_form(request)
        ticket_id = _ticket_id(request)
        reply_text = str(form.get("text") or "")
        # Kept after a failure, so sending the same text again is the same reply.
        reply_id = _reply_id(form) or ""

        def run() -> tuple[Staff, Optional[Problem]]:
            me = signed_in(request, TICKET_ROLES)
            ui, console, ip = ui_language(request), state(request), client_ip(request)
            with console.db() as db:
                ticket = _load(request, db, ticket_id, me)
                try:
                    action, details = work(console, db, ticket, me, form)
                except DeliveryError as error:
                    db.rollback()
                    # The error names Rasa's URL with its token: log the kind, show none of it.
                    logger.warning("Ticket %s: Rasa did not take the message (%s).", ticket_id, type(error).__name__)
                    return me, Problem(i18n.text(ui, "delivery_failed"), 502, reply_text, reply_id)
                except TransitionError as error:
                    db.rollback()
                    details = f"{request.url.path.rsplit('/', 1)[-1]}: {error}"
                    audit.record(db, me.login, Action.REFUSED, ticket_id=ticket_id, details=details, ip=ip)
                    return me, Problem(i18n.text(ui, "not_allowed", error=error), 409, reply_text, reply_id)
                except InvalidInput as error:
                    return me, Problem(i18n.text(ui, str(error)), 400, reply_text, reply_id)
                audit.record(db, me.login, action, ticket_id=ticket.id, details=details, ip=ip)
            return me, None

        me, problem = await run_in_threadpool(run)
        if problem is None:
            return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)
        return await run_in_threadpool(_page, request, me, ticket_id, problem)

    return endpoint


def _text(form: FormData) -> str:
    # A browser sends a textarea's line breaks as CRLF; chats expect LF.
    text = str(form.get("text") or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("empty_text")
    return text


def _reply_id(form: FormData) -> str | None:
    value = str(form.get("reply_id") or "")
    return value if REPLY_ID.match(value) else None


def reply(console: ConsoleState, db: Session, ticket: Ticket, me: Staff, form: FormData) -> tuple[Action, str]:
    """Send the counselor's reply to the person on their channel (once, whatever retries)."""
    text = _text(form)
    conversation.send_reply(db, console.rasa, ticket, me.login, text, reply_id=_reply_id(form))
    return Action.REPLY, f"{len(text)} characters"


def insert_answer(console: ConsoleState, db: Session, ticket: Ticket, me: Staff, form: FormData) -> tuple[Action, str]:
    """Send the knowledge-base answer to the chosen topic in the person's language."""
    topic = str(form.get("topic") or "")
    if not is_topic(topic):
        raise InvalidInput("unknown_topic")
    conversation.send_reply(db, console.rasa, ticket, me.login, answer_in(topic, ticket.language, console.settings))
    return Action.INSERT_ANSWER, f"topic={topic} language={ticket.language}"


def note(console: ConsoleState, db: Session, ticket: Ticket, me: Staff, form: FormData) -> tuple[Action, str]:
    """Add an internal note."""
    lifecycle.add_note(db, ticket, me.login, _text(form))
    return Action.NOTE, ""


def assign(console: ConsoleState, db: Session, ticket: Ticket, me: Staff, form: FormData) -> tuple[Action, str]:
    """Give the ticket to the chosen staff member (or to oneself)."""
    login = str(form.get("to") or me.login)
    staff = find_staff(db, login)
    if staff is None or not _may_take(staff, ticket, console):
        raise InvalidInput("unknown_staff")
    lifecycle.assign(db, ticket, staff.login)
    return Action.ASSIGN, f"to={staff.login}"


def _may_take(staff: Staff, ticket: Ticket, console: ConsoleState) -> bool:
    """Whether the ticket can be given to `staff`: active, answers tickets, and may see this one."""
    return (
        staff.active
        and Role(staff.role) in TICKET_ROLES
        and may_see(staff, ticket, console.settings.console, get_offices())
    )


def close(console: ConsoleState, db: Session, ticket: Ticket, me: Staff, form: FormData) -> tuple[Action, str]:
    """Close: the person is told and the bot answers again."""
    conversation.close_ticket(db, console.rasa, ticket, me.login)
    return Action.CLOSE, ""


def reopen(console: ConsoleState, db: Session, ticket: Ticket, me: Staff, form: FormData) -> tuple[Action, str]:
    """Reopen a closed ticket: the bot is quiet for this person again."""
    conversation.reopen_ticket(db, console.rasa, ticket)
    return Action.REOPEN, ""


async def forget_person(request: Request) -> Response:
    """Delete the ticket's person's conversation, at their request (admins only; audited)."""
    form = await checked_form(request)
    ticket_id = _ticket_id(request)

    def run() -> None:
        me = signed_in(request, ADMIN_ROLES)
        console = state(request)
        if console.forget is None:
            raise HTTPException(503, "deletion is not available in this console")
        with console.db() as db:
            ticket = _load(request, db, ticket_id, me)
            conversation_id = ticket.sender_id
            if str(form.get("confirm") or "") != "yes":
                raise HTTPException(400, "confirm the deletion")
        console.forget(conversation_id)
        with console.db() as db:
            audit.record(db, me.login, Action.FORGET, ticket_id=ticket_id, ip=client_ip(request))

    await run_in_threadpool(run)
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)


routes: List[Route] = [
    Route("/tickets/{ticket_id}", ticket_page, methods=["GET"]),
    Route("/tickets/{ticket_id}/forget", forget_person, methods=["POST"], name="ticket_forget"),
    Route("/tickets/{ticket_id}/lines", ticket_lines, methods=["GET"]),
    *(
        Route(f"/tickets/{{ticket_id}}/{name}", _act(work), methods=["POST"], name=f"ticket_{name}")
        for name, work in (
            ("reply", reply),
            ("answer", insert_answer),
            ("note", note),
            ("assign", assign),
            ("close", close),
            ("reopen", reopen),
        )
    ),
]
