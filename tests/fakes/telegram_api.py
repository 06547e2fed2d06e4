"""A local fake of the Telegram Bot API methods Soba calls.

`POST /bot<token>/<method>` with JSON or form data, answered as Telegram does:
`{"ok": true, "result": ...}`, or `{"ok": false, "error_code": 401, ...}` for
a wrong token. Every call is recorded for the tests to read.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator

from tests.fakes.recording_api import Call, RecordingApi, Reply

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Soba", "username": "soba_test_bot"}


def call_params(call: Call) -> Dict[str, Any]:
    """The method's parameters, sent as JSON or as a form (python-telegram-bot sends forms)."""
    content_type = call.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return call.json or {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        params: Dict[str, Any] = dict(urllib.parse.parse_qsl(call.body.decode("utf-8")))
    elif content_type.startswith("multipart/form-data"):
        params = _multipart(call)
    else:
        params = dict(urllib.parse.parse_qsl(call.query))
    for key, value in list(params.items()):
        if isinstance(value, str) and value[:1] in "{[":
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _multipart(call: Call) -> Dict[str, Any]:
    boundary = call.headers["content-type"].split("boundary=", 1)[1].strip('"').encode()
    params: Dict[str, Any] = {}
    for part in call.body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name:
            params[name.group(1).decode()] = value.rsplit(b"\r\n", 1)[0].decode("utf-8", "replace")
    return params


@dataclass
class FakeTelegramApi(RecordingApi):
    """Telegram's Bot API on loopback for one bot token."""

    token: str = "123456:TEST-token"
    webhook: Dict[str, Any] = field(default_factory=dict)
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def __post_init__(self) -> None:
        self.route("POST", r"/bot(?P<token>[^/]+)/(?P<method>\w+)", self._method)
        self.route("GET", r"/bot(?P<token>[^/]+)/(?P<method>\w+)", self._method)

    def sent(self, method: str) -> list:
        """The parameters of every call of `method`, in order."""
        return [call_params(c) for c in self.calls if c.path.endswith(f"/{method}")]

    def _method(self, call: Call, match: re.Match[str]) -> Reply:
        if match.group("token") != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        params = call_params(call)
        method = match.group("method")
        if method == "getMe":
            return _ok(BOT_USER)
        if method == "setWebhook":
            self.webhook = params
            return _ok(True, description="Webhook was set")
        if method == "deleteWebhook":
            self.webhook = {}
            return _ok(True, description="Webhook was deleted")
        if method == "getWebhookInfo":
            return _ok({"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0})
        if method in ("sendMessage", "sendPhoto"):
            if not params.get("chat_id"):
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"}
            if method == "sendMessage" and not str(params.get("text", "")).strip():
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            return _ok(self._message(params))
        if method == "editMessageReplyMarkup":
            return _ok(self._message(params))
        if method in ("answerCallbackQuery", "sendChatAction", "setMyCommands", "deleteMyCommands"):
            return _ok(True)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _message(self, params: Dict[str, Any]) -> Dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        message: Dict[str, Any] = {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message


def _ok(result: Any, **extra: Any) -> Reply:
    return 200, {"ok": True, "result": result, **extra}
