"""ASGI factories that exist only for benchmarks (the `bench` package is not installed
with the platform, so none of this can reach a production process)."""

from __future__ import annotations

from typing import Any

import jwt
from litestar import Litestar, get


def hello_app() -> Litestar:
    """The baseline: a bare Litestar JSON hello-world."""

    @get("/hello", sync_to_thread=False)
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return Litestar(route_handlers=[hello], logging_config=None, openapi_config=None)


def unverified_asgi() -> Any:
    """The real application, except that the caller is read from the bearer token without
    checking its signature or revocation: what JWT verification costs is the difference."""
    from api.app import create_production_app
    from api.realtime import mount
    from domain.accounts import Principal, Role

    app = create_production_app()
    inner = app.asgi_handler

    async def trust_bearer(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization", b"")
            if header.startswith(b"Bearer "):
                claims = jwt.decode(header[7:], options={"verify_signature": False})
                scope.setdefault("state", {})["principal"] = Principal(
                    user_id=claims["sub"], role=Role(claims["role"])
                )
        await inner(scope, receive, send)

    app.asgi_handler = trust_bearer
    return mount(app)
