from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.client_ip import client_ip, is_internal
from api.middleware.metrics import REGISTRY
from infra.resources import Resources


class HealthController(Controller):
    path = ""
    tags = ["operations"]
    include_in_schema = True

    @get("/health/live", summary="Liveness: 200 while the process runs")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/health/ready", summary="Readiness: 200 when every dependency answers, else 503")
    async def ready(self, resources: Resources) -> Response[dict[str, Any]]:
        checks = await resources.readiness()
        healthy = all(state == "ok" for state in checks.values())
        down = [name for name, state in checks.items() if state != "ok"]
        body: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "checks": checks}
        if down:
            body["detail"] = "unavailable: " + ", ".join(down)
        return Response(body, status_code=200 if healthy else 503)

    @get("/metrics", summary="Prometheus metrics (internal network only)", media_type="text/plain")
    async def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        settings = request.app.state.settings
        if not is_internal(client_ip(request.scope, settings.app.trusted_proxies)):
            raise NotFoundException()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
