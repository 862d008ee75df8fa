"""Cross-cutting HTTP behaviour: problem+json, request ids, headers, limits, metrics."""

import importlib
import pkgutil
import re
from typing import Any

import jsonschema
import pytest
from litestar import post
from litestar.testing import AsyncTestClient
from pydantic import BaseModel, Field

import api.controllers
from api.app import create_app
from config.settings import Settings
from tests.support.people import make_person


class Booking(BaseModel):
    name: str = Field(min_length=2)
    seats: int = Field(ge=1, le=10)


@post("/api/v1/probe")
async def probe(data: Booking) -> dict[str, Any]:
    return data.model_dump()


@pytest.fixture
async def probe_client(settings: Settings):  # type: ignore[no-untyped-def]
    """The real app factory with one extra route that validates a body."""
    app = create_app(settings)
    app.register(probe)
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_unknown_route_is_problem_json(client) -> None:
    response = await client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert set(body) >= {"type", "title", "status", "detail"}


async def test_wrong_method_is_problem_json(client) -> None:
    response = await client.delete("/health/live")
    assert response.status_code == 405
    assert response.json()["status"] == 405


async def test_invalid_fields_are_422_with_field_errors(probe_client) -> None:
    response = await probe_client.post("/api/v1/probe", json={"name": "x", "seats": 99})
    assert response.status_code == 422
    body = response.json()
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"name", "seats"}
    assert "Traceback" not in response.text


async def test_malformed_json_is_400(probe_client) -> None:
    response = await probe_client.post(
        "/api/v1/probe", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_body_is_413(probe_client) -> None:
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'", "seats": 1}'
    response = await probe_client.post(
        "/api/v1/probe", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


async def test_request_id_is_echoed_or_created(client) -> None:
    echoed = await client.get("/health/live", headers={"X-Request-ID": "client-id-42"})
    assert echoed.headers["x-request-id"] == "client-id-42"
    created = await client.get("/health/live")
    assert len(created.headers["x-request-id"]) == 32
    hostile = await client.get("/health/live", headers={"X-Request-ID": "a b\x01<script>"})
    assert hostile.headers["x-request-id"] != "a b\x01<script>"
    missing = await client.get("/nowhere")
    assert missing.headers["x-request-id"]


async def test_security_headers(client) -> None:
    response = await client.get("/health/live")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_rate_limit_answers_429_with_retry_after(
    stack, db_name, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONGODB_DB", db_name)
    monkeypatch.setenv("AUTH_RATE_LIMIT_PER_MINUTE", "3")
    settings = Settings()
    async with AsyncTestClient(app=create_app(settings)) as client:
        ip = {"X-Forwarded-For": "203.0.113.7"}
        statuses = [
            (await client.post("/api/v1/auth/login", json={}, headers=ip)).status_code
            for _ in range(4)
        ]
        assert 429 not in statuses[:3]
        assert statuses[3] == 429
        limited = await client.post("/api/v1/auth/login", json={}, headers=ip)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.json()["code"] == "rate_limited"
        # Another caller is not affected.
        other = await client.post(
            "/api/v1/auth/login", json={}, headers={"X-Forwarded-For": "203.0.113.8"}
        )
        assert other.status_code != 429


@pytest.mark.parametrize(
    ("path", "ip"),
    [
        ("/api/v1//auth/login", "203.0.113.21"),
        ("/api//v1/auth/login", "203.0.113.22"),
        ("http://testserver//api/v1/auth/login", "203.0.113.23"),
    ],
)
async def test_the_auth_rate_limit_holds_for_any_spelling_of_the_path(
    stack, db_name, monkeypatch: pytest.MonkeyPatch, path: str, ip: str
) -> None:
    """The router collapses repeated slashes; the limiter must see the route it picks."""
    monkeypatch.setenv("MONGODB_DB", db_name)
    monkeypatch.setenv("AUTH_RATE_LIMIT_PER_MINUTE", "3")
    async with AsyncTestClient(app=create_app(Settings())) as client:
        sender = {"X-Forwarded-For": ip}
        statuses = [
            (await client.post(path, json={}, headers=sender)).status_code for _ in range(4)
        ]
    assert statuses[:3] == [422, 422, 422], statuses  # the login route, not a 404
    assert statuses[3] == 429, statuses


async def test_openapi_document_and_docs_are_served(client, db, settings) -> None:
    spec = await client.get("/schema/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    docs = await client.get("/schema/swagger")
    assert docs.status_code == 200
    # A client validating against the document refuses the subscription ids the server does.
    schemas = spec.json()["components"]["schemas"]
    device = schemas["DeviceIn"]["properties"]["subscription_id"]
    assert device["pattern"] == "^[A-Za-z0-9._:-]+$"
    assert (device["minLength"], device["maxLength"]) == (8, 128)
    validator = jsonschema.Draft202012Validator(schemas["DeviceIn"])
    me = await make_person(db, settings, "patient")
    for subscription_id, valid in (("sub-0123:abc_DEF.9", True), ("sub 0123/abc?x", False)):
        body = {"subscription_id": subscription_id, "platform": "ios"}
        assert validator.is_valid(body) is valid, subscription_id
        answer = await client.post("/api/v1/notifications/devices", json=body, headers=me.headers)
        assert answer.status_code == (201 if valid else 422), answer.text


def _patterns(schema: Any) -> set[str]:
    """Every `pattern` in a JSON schema, at any depth."""
    if isinstance(schema, dict):
        own = {schema["pattern"]} if isinstance(schema.get("pattern"), str) else set()
        return own.union(*(_patterns(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_patterns(v) for v in schema))
    return set()


async def test_every_pattern_a_request_model_enforces_is_published(client) -> None:
    """Litestar drops `Field(pattern=...)` from the document (StringConstraints it keeps):
    each field pattern of the API's models is there for the clients that validate."""
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    checked = 0
    for info in pkgutil.iter_modules(api.controllers.__path__, "api.controllers."):
        module = importlib.import_module(info.name)
        for model in vars(module).values():
            published = schemas.get(getattr(model, "__name__", ""))
            if not (isinstance(model, type) and issubclass(model, BaseModel) and published):
                continue
            enforced = model.model_json_schema().get("properties", {})
            for name, field in enforced.items():
                wanted = _patterns(field)
                shown = _patterns(published.get("properties", {}).get(name, {}))
                assert wanted <= shown, f"{model.__name__}.{name}: {wanted - shown} not published"
                checked += len(wanted)
    assert checked, "no model declares a pattern: nothing was checked"


async def test_the_docs_page_loads_everything_from_this_origin(client) -> None:
    """Swagger UI's scripts, styles and icon are served by the web process itself, so the
    page works without internet access (it stayed blank offline when they came from a
    CDN), under a content security policy that allows nothing from elsewhere."""
    docs = await client.get("/schema/swagger")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", docs.text)
    assert len(assets) >= 4, docs.text  # the bundle, the preset, the styles, the icon
    expected = {
        ".js": "javascript",
        ".css": "text/css",
        ".png": "image/png",
    }
    for url in assets:
        assert url.startswith("/schema/"), f"{url} is not served from this origin"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        kind = next(v for k, v in expected.items() if url.endswith(k))
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
    bundle = await client.get(next(u for u in assets if u.endswith("swagger-ui-bundle.js")))
    # A release that renders OpenAPI 3.1, the version of the document served.
    assert re.search(rb'"5\.\d+\.\d+"', bundle.content)


async def test_metrics_are_prometheus_text(client) -> None:
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert (
        'esante_http_requests_total{method="GET",route="/health/live",status="200"}'
        in response.text
    )
    media_type, *params = (part.strip() for part in response.headers["content-type"].split(";"))
    assert media_type == "text/plain"
    assert [p for p in params if p.startswith("charset=")] == ["charset=utf-8"]  # once


async def test_metrics_are_hidden_from_outside_callers(client) -> None:
    response = await client.get("/metrics", headers={"X-Forwarded-For": "8.8.8.8"})
    assert response.status_code == 404


async def test_metrics_label_made_up_methods_as_other(client) -> None:
    for _ in range(2):
        await client.request("BREW", "/health/live")
    await client.request("get", "/health/live")  # methods are case-sensitive: not GET
    text = (await client.get("/metrics")).text
    assert "BREW" not in text and 'method="get"' not in text
    assert 'esante_http_requests_total{method="other",' in text


async def test_head_is_answered_like_get_without_the_body(client) -> None:
    """Uptime monitors and caches ask HEAD of GET routes (405 before)."""
    got = await client.get("/health/live")
    head = await client.head("/health/live")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] != "0"
    assert head.headers["content-type"] == got.headers["content-type"]
    assert "x-request-id" in head.headers
    # Everything a GET does still applies: no token, no answer.
    refused = await client.head("/api/v1/auth/me")
    assert refused.status_code == 401 and refused.content == b""
    # A route with no GET still refuses HEAD, naming what it allows.
    wrong = await client.head("/api/v1/auth/login")
    assert wrong.status_code == 405 and wrong.content == b""
    assert "HEAD" not in wrong.headers["allow"]
    # Counted under its own method and the route it reached.
    metrics = (await client.get("/metrics")).text
    assert 'method="HEAD",route="/health/live",status="200"' in metrics
    # Where GET is allowed, so is HEAD.
    assert (await client.delete("/health/live")).headers["allow"] == "GET, HEAD, OPTIONS"
