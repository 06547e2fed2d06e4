"""Which tickets a staff member may see: need-to-know by office (security review L10).

With `console.office_scoped` off (the default) everyone who may read tickets
reads every ticket, as a small organisation with one team wants. With it on,
a counselor or trainer sees in the queue, and opens, only the tickets of
their own office (`staff.office`, set by an admin on the staff page); admins
see every office. A ticket without a known office is in the default office's
queue, as the queue shows it. An account without an office sees none: an
office left unset must not mean "all of them".
"""

from __future__ import annotations

from bot.console.models import Role, Staff
from bot.handoff.models import Ticket
from bot.handoff.offices import Offices
from bot.settings import ConsoleSettings


def ticket_office(ticket: Ticket, offices: Offices) -> str:
    """The office whose queue the ticket is in."""
    return ticket.office if ticket.office in offices.offices else offices.default_office


def may_see(staff: Staff, ticket: Ticket, settings: ConsoleSettings, offices: Offices) -> bool:
    """Whether `staff` may see `ticket` in the queue and open it (roles are checked separately)."""
    if not settings.office_scoped or staff.role == Role.ADMIN.value:
        return True
    return staff.office is not None and staff.office == ticket_office(ticket, offices)
