"""The access policies that several controllers share, as base classes.

Subclasses set `path` and `tags`, and may add their own dependencies to these.
"""

from __future__ import annotations

from litestar import Controller
from litestar.di import Provide

from api.controllers.providers import provide_event_context
from api.security import BEARER, authenticated, requires_role


class SignedInController(Controller):
    """Routes open to any signed-in caller; the domain calls carry the request's context."""

    guards = [authenticated]
    security = BEARER
    dependencies = {"context": Provide(provide_event_context, sync_to_thread=False)}


class AdminController(Controller):
    """Administration routes: admins only, and what they do is audited with the context."""

    tags = ["administration"]
    guards = [requires_role("admin")]
    security = BEARER
    dependencies = {"context": Provide(provide_event_context, sync_to_thread=False)}
