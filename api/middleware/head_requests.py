"""HEAD is answered as GET without the body (RFC 9110 §9.3.2).

Litestar routes HEAD only to handlers declared for it, so every GET route answered a HEAD
with 405: uptime monitors, link checkers and caches that ask HEAD saw the API as broken.
The request goes on as a GET, with everything a GET does (authentication, audit of a
record read, rate limits); only the body is dropped, and the headers, Content-Length
included, stay those of the GET. An `Allow` header that lists GET (a 405, an OPTIONS
answer) lists HEAD too.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

_ALLOW = b"allow"


def _allowing_head(message: Message) -> Message:
    if message["type"] != "http.response.start":
        return message
    headers: list[Any] = list(message.get("headers", []))
    for index, (name, value) in enumerate(headers):
        methods = [m.strip() for m in bytes(value).split(b",")]
        if name.lower() == _ALLOW and b"GET" in methods and b"HEAD" not in methods:
            headers[index] = (name, b", ".join(sorted([*methods, b"HEAD"])))
            message["headers"] = headers
    return message


def head_as_get_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        http = cast(HTTPScope, scope)
        head = http["method"] == "HEAD"

        async def send_adjusted(message: Message) -> None:
            if head and message["type"] == "http.response.start":
                http["method"] = "HEAD"  # as the server and the outer layers expect it
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed body's chunk
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(_allowing_head(message))

        if head:
            # Changed in place rather than in a copy: what routing records in the scope
            # (the route, for the metrics) stays visible to the layers outside.
            http["method"] = "GET"
        try:
            await app(scope, receive, send_adjusted)
        finally:
            if head:
                http["method"] = "HEAD"

    return middleware
