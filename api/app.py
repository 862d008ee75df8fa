"""The Litestar application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from actors.broker import configure_broker
from api.api_docs import DOCS_PATH, swagger_assets, swagger_plugin
from api.controllers.health import HealthController
from api.deps import provide_jobs
from api.middleware.head_requests import head_as_get_middleware
from api.middleware.metrics import metrics_middleware
from api.middleware.rate_limit import rate_limit_middleware
from api.middleware.request_id import request_id_middleware
from api.middleware.security_headers import security_headers_middleware
from api.openapi_problems import document_problems
from api.problems import EXCEPTION_HANDLERS
from api.realtime import create_realtime
from api.routes import API_ROUTES
from api.security import provide_current_user
from api.startup import create_indexes
from config.logging import configure_logging
from config.settings import Settings, get_settings
from domain.accounts.passwords import start_hashing, stop_hashing
from domain.events.outbox import announce_to, dispatch_to
from infra.outbox_dispatch import OutboxDispatcher
from infra.outbox_signal import OutboxAnnouncer
from infra.resources import Resources

JSON_BODY_LIMIT = 1024 * 1024  # uploads raise it per route


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    settings.check()
    configure_broker(settings)
    import actors.registry  # noqa: F401 - handlers enqueue these actors by name

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        resources = Resources.open(settings)
        app.state.resources = resources
        retrying = await create_indexes(resources.db)
        # This process sends its own events once committed, and wakes the relays for any it
        # gives back (Kafka away); without a dispatcher it wakes them for every commit.
        announcer = OutboxAnnouncer(resources.redis)
        announcer.start()
        dispatcher = None
        if settings.events.outbox_dispatch:
            dispatcher = OutboxDispatcher(resources.db, settings, wake_relays=announcer.notify)
            dispatcher.start()
            dispatch_to(dispatcher)
        else:
            announce_to(announcer.notify)
        await start_hashing(in_threads=settings.auth.hashing_pool == "threads")
        try:
            yield
        finally:
            dispatch_to(None)
            announce_to(None)
            if dispatcher is not None:
                await dispatcher.stop()
            # Off the event loop: it waits for the hashing processes to exit.
            await asyncio.to_thread(stop_hashing)
            await announcer.stop()
            if retrying is not None:
                retrying.cancel()
            await resources.close()

    def provide_resources() -> Resources:
        return app.state.resources

    app = Litestar(
        route_handlers=[HealthController, *API_ROUTES, swagger_assets()],
        lifespan=[lifespan],
        dependencies={
            "resources": Provide(provide_resources, sync_to_thread=False),
            "jobs": Provide(provide_jobs),
            "current_user": Provide(provide_current_user),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        cors_config=CORSConfig(allow_origins=settings.app.cors_origins)
        if settings.app.cors_origins
        else None,
        openapi_config=OpenAPIConfig(
            title="E-Santé API",
            version="1.0.0",
            description="Appointments, medical records, referrals, messaging and audit.",
            path=DOCS_PATH,
            render_plugins=[swagger_plugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        request_max_body_size=JSON_BODY_LIMIT,
        logging_config=None,  # structlog owns logging (config/logging.py)
        debug=False,
    )
    app.state.settings = settings
    document_problems(app)
    # Socket.IO lives beside the app (api/asgi.py); REST handlers emit through it.
    app.state.realtime = create_realtime(settings, lambda: app.state.resources)
    # Wrapped around Litestar's own handler, not declared as route middleware, so that they
    # also cover requests no route matches (404, 405).
    outer = app.asgi_handler
    for wrap in reversed(
        [
            request_id_middleware,
            security_headers_middleware(hsts=settings.app.is_production),
            metrics_middleware,
            rate_limit_middleware,
            head_as_get_middleware,
        ]
    ):
        outer = wrap(outer)
    app.asgi_handler = outer
    return app


def create_production_app() -> Litestar:
    settings = get_settings()
    configure_logging(settings.app.log_level, settings.app.log_json, process="web")
    return create_app(settings)
