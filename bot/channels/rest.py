"""Rasa's REST channel with Soba's handling of empty, non-text and over-long messages.

Configured in credentials.yml as `bot.channels.rest.SobaRestInput`; it keeps
the name `rest`, so the route stays `POST /webhooks/rest/webhook` (DESIGN.md).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.channels.incoming import Incoming, prepare
from bot.settings import get_settings


class SobaRestInput(RestInput):
    """`RestInput` whose messages pass through `bot.channels.incoming.prepare`."""

    def _incoming(self, request: Request) -> Incoming:
        body = request.json if isinstance(request.json, dict) else {}
        return prepare(body.get("message"), get_settings().max_message_chars)

    def _extract_message(self, req: Request) -> Optional[str]:
        """The prepared text: `/no_text` for no text, long text cut."""
        return self._incoming(req).text

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        """The request's metadata plus what preparing the text added."""
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        metadata.update(self._incoming(request).metadata)
        return metadata or None
