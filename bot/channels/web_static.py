"""The web widget's files and demo page, as the widget channel serves them.

`widget.js` and `widget.css` come from `bot/channels/static/`, revalidated by
ETag so a new release reaches embedding sites within the cache time. The demo
page embeds the widget with one `<script>` tag under a strict
Content-Security-Policy (no inline script or style anywhere), which is what
proves the widget works on sites that set one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).parent / "static"
# Embedding sites fetch the files on every page view; an hour of caching with
# revalidation keeps that cheap while a release still spreads the same day.
STATIC_CACHE_CONTROL = "public, max-age=3600, must-revalidate"
STATIC_TYPES = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}
# A Host header is echoed into the CSP only if it looks like a host name.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


@dataclass(frozen=True)
class StaticFile:
    """A static file's bytes, type and validator."""

    body: bytes
    content_type: str
    etag: str


@cache
def static_file(name: str) -> StaticFile:
    """One of the widget's static files, read once per process."""
    body = (STATIC_DIR / name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return StaticFile(body=body, content_type=STATIC_TYPES[name], etag=etag)


def serve_static(request: Request, name: str) -> HTTPResponse:
    """The file with cache headers; 304 when the client's copy is current."""
    file = static_file(name)
    headers = {
        "Cache-Control": STATIC_CACHE_CONTROL,
        "ETag": file.etag,
        "X-Content-Type-Options": "nosniff",
        # Embedding sites load the script and stylesheet from another origin.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if request.headers.get("If-None-Match") == file.etag:
        return response.empty(status=304, headers=headers)
    return response.raw(file.body, content_type=file.content_type, headers=headers)


def content_security_policy(host: str | None) -> str:
    """The demo page's policy: everything from this origin only, the socket included."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"connect-src 'self'{sockets}; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def demo_page(request: Request, language: str, title: str) -> HTTPResponse:
    """An example page that embeds the widget with one script tag, under the strict CSP."""
    html = f"""<!doctype html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — web widget demo</title>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p>This page embeds the Soba chat widget with a single script tag. Open the chat with the button
in the bottom corner. 働くことについての質問に、24時間お答えします。</p>
<pre><code>&lt;script
  src="https://soba-host/widget/widget.js"
  data-server="https://soba-host"
  data-language="ja"
  data-title="{escape(title)}"
  defer&gt;&lt;/script&gt;</code></pre>
</main>
<script src="/widget/widget.js" data-language="{escape(language)}" data-title="{escape(title)}" defer></script>
</body>
</html>
"""
    headers = {
        "Content-Security-Policy": content_security_policy(request.headers.get("host")),
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return response.html(html, headers=headers)
