"""A small HTTP server on loopback that answers like a platform API and records each call.

The LINE and Telegram fakes subclass it: they are the only stand-ins in the
test suite, for servers on the internet that tests cannot reach.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Pattern, Tuple

# What a route handler returns: HTTP status, JSON body (or raw bytes), content type.
Reply = Tuple[int, Any]


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    headers: Dict[str, str]
    body: bytes
    query: str = ""
    # The status the fake answered with (0 until it has answered).
    status: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass
class Route:
    method: str
    pattern: Pattern[str]
    handler: Callable[[Call, re.Match[str]], Reply]


@dataclass
class RecordingApi:
    """Serve `routes` on 127.0.0.1 and keep every `Call`; unknown paths get 404."""

    routes: List[Route] = field(default_factory=list)
    calls: List[Call] = field(default_factory=list)
    _server: Optional[ThreadingHTTPServer] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, method: str, pattern: str, handler: Callable[[Call, re.Match[str]], Reply]) -> None:
        self.routes.append(Route(method, re.compile(f"^{pattern}$"), handler))

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RecordingApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = Call(self.command, path, headers, self.rfile.read(length), query)
                with fake._lock:
                    fake.calls.append(call)
                status, body = fake._dispatch(call)
                call.status = status
                data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
                self.send_response(status)
                binary = isinstance(body, bytes)
                self.send_header("Content-Type", "application/octet-stream" if binary else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - http.server's names

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _dispatch(self, call: Call) -> Reply:
        for route in self.routes:
            match = route.pattern.match(call.path)
            if route.method == call.method and match:
                return route.handler(call, match)
        return 404, {"message": f"fake has no route for {call.method} {call.path}"}

    def calls_to(self, path_pattern: str, **json_fields: Any) -> List[Call]:
        """Calls whose path matches `path_pattern` and whose JSON body has `json_fields`."""
        pattern = re.compile(f"^{path_pattern}$")
        with self._lock:
            calls = [c for c in self.calls if pattern.match(c.path)]
        return [c for c in calls if all((c.json or {}).get(k) == v for k, v in json_fields.items())]

    def wait_for(self, predicate: Callable[[List[Call]], bool], timeout: float = 20.0) -> List[Call]:
        """Wait until `predicate(calls)` holds (the bot works asynchronously); fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                snapshot = list(self.calls)
            if predicate(snapshot):
                return snapshot
            time.sleep(0.05)
        raise AssertionError(f"timed out; the fake received: {[(c.method, c.path, c.body[:500]) for c in snapshot]}")
