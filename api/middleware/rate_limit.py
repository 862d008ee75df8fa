"""Per-IP fixed-window rate limits kept in Redis, so every web process shares the count.

Auth routes get a stricter limit than the rest of the API. If Redis cannot be reached the
limiter lets the request through: the routes that need Redis answer 503 on their own, and
the ones that don't keep working.
"""

from __future__ import annotations

import json
import time
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.path import normalize_path
from redis.exceptions import RedisError

from api.client_ip import client_ip
from api.problems import status_code_name
from config.logging import get_logger
from config.settings import AppSettings

WINDOW_SECONDS = 60
AUTH_PREFIX = "/api/v1/auth/"
log = get_logger(__name__)


def _rule(path: str, settings: AppSettings) -> tuple[str, int] | None:
    if path.startswith(AUTH_PREFIX):
        return "auth", settings.auth_rate_limit_per_minute
    if path.startswith("/api/"):
        return "api", settings.rate_limit_per_minute
    return None


def _routed_path(scope: Scope) -> str:
    """The path as the router will match it: it collapses repeated slashes and drops a
    trailing one, so `/api/v1//auth/login` reaches the login route. Deciding on the raw
    path let that spelling escape the auth limit. (This runs before routing, so the
    matched route is not known yet; the router's own normalisation is used instead.)"""
    path = scope["path"]
    if root_path := scope.get("root_path", ""):
        path = path.split(root_path, maxsplit=1)[-1]
    return normalize_path(path) + "/"


async def _too_many(send: Send, retry_after: int) -> None:
    body = json.dumps(
        {
            "type": "https://esante.dev/problems/too-many-requests",
            "title": "Too Many Requests",
            "status": 429,
            "detail": f"Rate limit exceeded; retry in {retry_after} seconds",
            "code": status_code_name(429),
        }
    ).encode()
    start: Any = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry_after).encode()),
        ],
    }
    await send(start)
    end: Any = {"type": "http.response.body", "body": body}
    await send(end)


def rate_limit_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        resources = getattr(scope["app"].state, "resources", None)
        settings = scope["app"].state.settings.app
        rule = _rule(_routed_path(scope), settings)
        if rule is None or resources is None:
            await app(scope, receive, send)
            return
        name, limit = rule
        now = int(time.time())
        window = now // WINDOW_SECONDS
        key = f"ratelimit:{name}:{client_ip(scope, settings.trusted_proxies)}:{window}"
        try:
            async with resources.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS + 1)
                count, _ = await pipe.execute()
        except RedisError as exc:
            log.warning("rate_limit_unavailable", error=type(exc).__name__)
            await app(scope, receive, send)
            return
        if count > limit:
            await _too_many(send, max(1, (window + 1) * WINDOW_SECONDS - now))
            return
        await app(scope, receive, send)

    return middleware
