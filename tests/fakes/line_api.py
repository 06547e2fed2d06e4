"""A local fake of the LINE Messaging API endpoints Soba calls.

Answers as api.line.me and api-data.line.me do (one server plays both):
reply (a reply token works once; tokens the test marks expired get LINE's
400 "Invalid reply token"), push (a repeated `X-Line-Retry-Key` gets 409 and
is not sent again), loading animation, profile, rich menus.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Dict, Set

from tests.fakes.recording_api import Call, RecordingApi, Reply


@dataclass
class FakeLineApi(RecordingApi):
    """LINE's API on loopback. `profiles` maps user ids to the profile LINE would return."""

    profiles: Dict[str, Dict[str, str]] = field(default_factory=dict)
    expired_reply_tokens: Set[str] = field(default_factory=set)
    used_reply_tokens: Set[str] = field(default_factory=set)
    rich_menus: Dict[str, dict] = field(default_factory=dict)
    # Push retry keys already accepted: LINE answers 409 to a second push with one.
    retry_keys: Set[str] = field(default_factory=set)
    default_rich_menu: str = ""
    access_token: str = "line-access-token"

    def __post_init__(self) -> None:
        self.route("POST", r"/v2/bot/message/reply", self._reply)
        self.route("POST", r"/v2/bot/message/push", self._push)
        self.route("POST", r"/v2/bot/chat/loading/start", lambda call, m: (202, {}))
        self.route("GET", r"/v2/bot/profile/(?P<user>[^/]+)", self._profile)
        self.route("POST", r"/v2/bot/richmenu", self._create_rich_menu)
        self.route("GET", r"/v2/bot/richmenu/list", self._list_rich_menus)
        self.route("DELETE", r"/v2/bot/richmenu/(?P<id>[^/]+)", self._delete_rich_menu)
        self.route("POST", r"/v2/bot/richmenu/(?P<id>[^/]+)/content", self._upload_image)
        self.route("POST", r"/v2/bot/user/all/richmenu/(?P<id>[^/]+)", self._set_default)

    def _dispatch(self, call: Call) -> Reply:
        if call.headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"message": "Authentication failed. Confirm that the access token is valid."}
        return super()._dispatch(call)

    def _reply(self, call: Call, _: re.Match[str]) -> Reply:
        token = (call.json or {}).get("replyToken", "")
        if token in self.expired_reply_tokens or token in self.used_reply_tokens:
            return 400, {"message": "Invalid reply token"}
        if len((call.json or {}).get("messages", [])) > 5:
            return 400, {"message": "The request body has 1 error(s)"}
        self.used_reply_tokens.add(token)
        return 200, {"sentMessages": [{"id": secrets.token_hex(8)} for _ in call.json["messages"]]}

    def _push(self, call: Call, _: re.Match[str]) -> Reply:
        if len((call.json or {}).get("messages", [])) > 5:
            return 400, {"message": "The request body has 1 error(s)"}
        retry_key = call.headers.get("x-line-retry-key")
        if retry_key:
            if retry_key in self.retry_keys:
                # As LINE does: the request with this key was accepted before, nothing is sent again.
                return 409, {"message": "The retry key is already accepted"}
            self.retry_keys.add(retry_key)
        return 200, {"sentMessages": [{"id": secrets.token_hex(8)} for _ in call.json["messages"]]}

    def _profile(self, call: Call, m: re.Match[str]) -> Reply:
        user = m.group("user")
        if user not in self.profiles:
            return 404, {"message": "Not found"}
        return 200, {"userId": user, "displayName": "Worker", **self.profiles[user]}

    def _create_rich_menu(self, call: Call, _: re.Match[str]) -> Reply:
        menu_id = f"richmenu-{secrets.token_hex(16)}"
        self.rich_menus[menu_id] = {"richMenuId": menu_id, **(call.json or {})}
        return 200, {"richMenuId": menu_id}

    def _list_rich_menus(self, call: Call, _: re.Match[str]) -> Reply:
        return 200, {"richmenus": list(self.rich_menus.values())}

    def _delete_rich_menu(self, call: Call, m: re.Match[str]) -> Reply:
        return (200, {}) if self.rich_menus.pop(m.group("id"), None) else (404, {"message": "Not found"})

    def _upload_image(self, call: Call, m: re.Match[str]) -> Reply:
        if m.group("id") not in self.rich_menus:
            return 404, {"message": "Not found"}
        if call.headers.get("content-type") not in ("image/png", "image/jpeg") or not call.body:
            return 400, {"message": "Invalid content type"}
        return 200, {}

    def _set_default(self, call: Call, m: re.Match[str]) -> Reply:
        if m.group("id") not in self.rich_menus:
            return 404, {"message": "Not found"}
        self.default_rich_menu = m.group("id")
        return 200, {}
