"""What a counselor does to a conversation: reply, close (the bot resumes), reopen.

A counselor's reply goes through Rasa's HTTP API as a `bot` event with
`execute_side_effects=true&output_channel=latest`: Rasa stores it in the
conversation (so transcripts and retraining see it, with the staff member in
its metadata) and sends it through the channel the person last wrote on —
LINE push, Telegram, the widget's push (queued while offline). Closing clears
the `handoff_active` slot, so the bot answers again, and tells the person.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping

import requests
from sqlalchemy.orm import Session

from bot.api_token import rasa_api_token
from bot.core.contract import HANDOFF_SLOT, REPLY_ID_METADATA, STAFF_METADATA
from bot.handoff import lifecycle
from bot.handoff.models import Ticket, TicketMessage
from bot.settings import Settings
from bot.texts import get_texts

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15


class DeliveryError(RuntimeError):
    """Rasa did not accept the event, so the person did not get the message."""


@dataclass(frozen=True)
class RasaConversations:
    """Rasa's HTTP API for one server (its URL and API token)."""

    rasa_url: str
    token: str

    @classmethod
    def from_settings(cls, settings: Settings, env: Mapping[str, str] | None = None) -> RasaConversations:
        """The local Rasa server of `soba run`, or SOBA_RASA_URL (scale-out: the load balancer)."""
        env = os.environ if env is None else env
        url = env.get("SOBA_RASA_URL") or f"http://127.0.0.1:{settings.rasa_port}"
        return cls(url.rstrip("/"), rasa_api_token(env))

    def _scrub(self, error: Exception) -> str:
        # requests puts the whole URL, token included, into its messages.
        return str(error).replace(self.token, "***")

    def append(self, sender_id: str, events: List[Dict[str, Any]]) -> None:
        """Append events to the conversation and deliver any bot message on the person's last channel."""
        try:
            response = requests.post(
                f"{self.rasa_url}/conversations/{requests.utils.quote(sender_id, safe=':')}/tracker/events",
                params={"token": self.token, "execute_side_effects": "true", "output_channel": "latest"},
                json=events,
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise DeliveryError(f"Rasa server unreachable at {self.rasa_url}: {self._scrub(error)}") from None
        if response.status_code != 200:
            raise DeliveryError(f"Rasa refused the events ({response.status_code}): {response.text[:300]}")

    def tracker_events(self, sender_id: str) -> List[Dict[str, Any]]:
        """The conversation's events as Rasa stores them (the full transcript)."""
        try:
            response = requests.get(
                f"{self.rasa_url}/conversations/{requests.utils.quote(sender_id, safe=':')}/tracker",
                params={"token": self.token, "include_events": "ALL"},
                timeout=TIMEOUT_SECONDS,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            raise DeliveryError(f"could not read the conversation from Rasa: {self._scrub(error)}") from None
        return list(response.json().get("events") or [])


def transcript(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The user and bot messages of a tracker, with who wrote each (a staff member's login if a counselor)."""
    lines: List[Dict[str, Any]] = []
    for event in events:
        if event.get("event") not in ("user", "bot") or not (event.get("text") or "").strip():
            continue
        metadata = event.get("metadata") or {}
        role = "user" if event["event"] == "user" else ("staff" if metadata.get("staff") else "bot")
        lines.append(
            {
                "role": role,
                "text": event["text"],
                "staff": metadata.get("staff"),
                "timestamp": event.get("timestamp"),
                "language": (event.get("parse_data") or {}).get("language") or metadata.get("language"),
            }
        )
    return lines


def send_reply(
    session: Session, rasa: RasaConversations, ticket: Ticket, staff: str, text: str, reply_id: str | None = None
) -> TicketMessage:
    """Hand a counselor's reply to the person's channel, then record it with the ticket.

    Handing it over comes first: if Rasa refuses, nothing is recorded as sent
    and the counselor sees the error (the text stays in their reply box).
    Once Rasa has it, the channel has stored it in its outbox and sends it,
    retrying while the platform is down; the reply's id (`reply_id`, one per
    reply form) makes a repeated hand-over send it once.
    """
    text = text.strip()
    if not text:
        raise ValueError("a reply needs text")
    lifecycle.next_status(ticket, lifecycle.Event.STAFF_REPLY)  # refuse before sending, not after
    reply_id = reply_id or uuid.uuid4().hex
    metadata = {STAFF_METADATA: staff, REPLY_ID_METADATA: reply_id}
    rasa.append(ticket.sender_id, [{"event": "bot", "text": text, "metadata": metadata}])
    return lifecycle.record_staff_reply(session, ticket, staff, text, source_key=f"reply:{reply_id}")


def close_ticket(session: Session, rasa: RasaConversations, ticket: Ticket, staff: str) -> None:
    """Close the ticket; the bot answers again and tells the person so."""
    lifecycle.next_status(ticket, lifecycle.Event.CLOSE)
    message = get_texts().get(ticket.language, "ticket_closed")
    rasa.append(
        ticket.sender_id,
        [{"event": "slot", "name": HANDOFF_SLOT, "value": False}, {"event": "bot", "text": message}],
    )
    lifecycle.close(session, ticket, f"staff:{staff}")


def reopen_ticket(session: Session, rasa: RasaConversations, ticket: Ticket) -> None:
    """Reopen a closed ticket; the bot is quiet for this person again."""
    lifecycle.next_status(ticket, lifecycle.Event.REOPEN)
    rasa.append(ticket.sender_id, [{"event": "slot", "name": HANDOFF_SLOT, "value": True}])
    lifecycle.reopen(session, ticket)
