"""Where a request comes from, as recorded on the events it causes."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from api.client_ip import client_ip
from api.middleware.request_id import request_id_of
from domain.events import EventContext


def event_context(connection: ASGIConnection[Any, Any, Any, Any]) -> EventContext:
    settings = connection.app.state.settings
    return EventContext(
        ip=client_ip(connection.scope, settings.app.trusted_proxies),
        request_id=request_id_of(connection.scope) or None,
        user_agent=(connection.headers.get("user-agent") or "")[:256] or None,
    )
