"""The ASGI application the web process serves: Litestar, with Socket.IO beside it."""

from __future__ import annotations

from typing import Any

from api.app import create_production_app
from api.realtime import mount


def create_asgi() -> Any:
    return mount(create_production_app())
