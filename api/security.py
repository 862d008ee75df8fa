"""Authentication and role guards for every controller.

Usage in a controller:

    class ThingController(Controller):
        guards = [requires_role("doctor")]      # or [authenticated] for any signed-in user
        security = BEARER                       # documents the bearer token in OpenAPI

        @get("/things")
        async def list_things(self, current_user: Principal) -> ...

A missing or bad token is 401 with `WWW-Authenticate: Bearer`; a valid token with the
wrong role is 403 and an `auth.access_denied` security event.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import SecurityRequirement
from litestar.types import Guard

from api.request_context import event_context
from domain.accounts import AccountsEnv, Principal
from domain.accounts.authentication import authenticate
from domain.events import Actor, EventType, Subject, new_event, publish
from domain.shared.errors import Forbidden, Unauthenticated

BEARER: list[SecurityRequirement] = [{"BearerToken": []}]
_STATE_KEY = "principal"

Connection = ASGIConnection[Any, Any, Any, Any]


def _unauthorized(detail: str, *, invalid: bool) -> NotAuthorizedException:
    challenge = 'Bearer realm="esante"'
    if invalid:
        challenge += ', error="invalid_token"'
    return NotAuthorizedException(detail=detail, headers={"WWW-Authenticate": challenge})


async def current_principal(connection: Connection) -> Principal:
    """The caller, authenticated once per request (guards and handlers share the result)."""
    state = connection.scope.setdefault("state", {})
    cached = state.get(_STATE_KEY)
    if isinstance(cached, Principal):
        return cached
    scheme, _, token = (connection.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "Sign in first: send Authorization: Bearer <access token>", invalid=False
        )
    env = AccountsEnv.from_resources(connection.app.state.resources)
    try:
        principal = await authenticate(env, token.strip())
    except Unauthenticated as exc:
        raise _unauthorized(exc.detail, invalid=True) from None
    state[_STATE_KEY] = principal
    return principal


async def authenticated(connection: Connection, _: BaseRouteHandler) -> None:
    """Guard: any signed-in user."""
    await current_principal(connection)


def requires_role(*roles: str) -> Guard:
    """Guard: a signed-in user holding one of `roles`."""
    allowed = frozenset(roles)

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        principal = await current_principal(connection)
        if principal.role.value not in allowed:
            await _record_denied(connection, principal, allowed)
            raise Forbidden(f"This action requires the {' or '.join(sorted(allowed))} role")

    return guard


async def _record_denied(
    connection: Connection, principal: Principal, allowed: frozenset[str]
) -> None:
    resources = connection.app.state.resources
    context = event_context(connection).model_copy(update={"outcome": "failure"})
    event = new_event(
        EventType.AUTH_ACCESS_DENIED,
        actor=Actor(id=principal.user_id, role=principal.role.value),
        subject=Subject(
            type="endpoint", id=f"{connection.scope.get('method', '')} {connection.url.path}"
        ),
        data={"required_roles": sorted(allowed), "role": principal.role.value},
        context=context,
    )
    await publish(resources.db, event)


async def provide_current_user(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The `current_user` dependency: authenticates if no guard did yet."""
    return await current_principal(request)
