"""Dependencies the profile, doctor and appointment controllers share."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.params import Parameter

from api.request_context import event_context
from domain.accounts import Principal
from domain.events import Actor, EventContext
from domain.profiles.photos import PhotoStore
from infra.resources import Resources

PageParam = Parameter(ge=1, le=100_000, default=1, description="page number, from 1")
PageSizeParam = Parameter(ge=1, le=100, default=20, description="items per page (max 100)")


def actor_of(principal: Principal) -> Actor:
    return Actor(id=principal.user_id, role=principal.role.value)


def provide_photo_store(resources: Resources) -> PhotoStore:
    s3 = resources.settings.s3
    return PhotoStore(resources.s3, s3.bucket, s3.url_ttl_seconds)


def provide_event_context(request: ASGIConnection[Any, Any, Any, Any]) -> EventContext:
    return event_context(request)
