"""Conservative security headers for a JSON API; the docs pages, which run Swagger UI from
this origin, get a content security policy of their own (`api.api_docs`)."""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.api_docs import DOCS_CONTENT_SECURITY_POLICY, DOCS_PATH

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_DOCS_ONLY = [(b"content-security-policy", DOCS_CONTENT_SECURITY_POLICY.encode())]
_API_ONLY = [
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
]


def security_headers_middleware(hsts: bool) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            extra = list(_COMMON)
            extra += _DOCS_ONLY if scope["path"].startswith(DOCS_PATH) else _API_ONLY
            if hsts:
                extra.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    headers: list[Any] = list(message.get("headers", []))
                    headers += [(k, v) for k, v in extra if k not in present]
                    message["headers"] = headers
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return factory
