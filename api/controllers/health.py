from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from api.client_ip import client_ip, is_internal
from api.controllers.response_base import ViewOut
from api.middleware.metrics import REGISTRY
from infra.resources import Resources

# Litestar adds the charset to a text/ media type itself: Prometheus's own would be a second.
METRICS_MEDIA_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")


class LiveOut(BaseModel):
    status: str = Field(description="ok")


class ReadyOut(ViewOut):
    status: str = Field(description="ok | unavailable")
    checks: dict[str, str] = Field(
        description='each dependency (mongodb, redis, kafka, s3): "ok" or "down: why"'
    )
    detail: str | None = Field(None, description="only when unavailable: what is down")


class HealthController(Controller):
    path = ""
    tags = ["operations"]
    include_in_schema = True

    @get("/health/live", summary="Liveness: 200 while the process runs")
    async def live(self) -> LiveOut:
        return LiveOut(status="ok")

    @get(
        "/health/ready",
        summary="Readiness: 200 when every dependency answers, else 503",
        responses={503: ResponseSpec(data_container=ReadyOut, description="a dependency is down")},
    )
    async def ready(self, resources: Resources) -> Response[ReadyOut]:
        checks = await resources.readiness()
        healthy = all(state == "ok" for state in checks.values())
        down = [name for name, state in checks.items() if state != "ok"]
        body: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "checks": checks}
        if down:
            body["detail"] = "unavailable: " + ", ".join(down)
        return Response(ReadyOut.model_validate(body), status_code=200 if healthy else 503)

    @get("/metrics", summary="Prometheus metrics (internal network only)", media_type="text/plain")
    async def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        settings = request.app.state.settings
        if not is_internal(client_ip(request.scope, settings.app.trusted_proxies)):
            raise NotFoundException()
        return Response(generate_latest(REGISTRY), media_type=METRICS_MEDIA_TYPE)
