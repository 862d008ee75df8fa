"""Unexpected server errors answer a bare 500 problem and are logged; every problem names a
`code`; CORS follows CORS_ORIGINS."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import Response
from litestar import get
from litestar.testing import AsyncTestClient

from api.app import create_app
from config.settings import Settings

ALLOWED = "https://app.esante.example"
OTHER = "https://evil.example"
SECRET_TEXT = "lookup failed in shard 7 for patient 4711"


@get("/api/v1/explode")
async def explode() -> dict[str, Any]:
    raise RuntimeError(SECRET_TEXT)


@pytest.fixture
async def failing_client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The real app factory with one extra route whose handler raises."""
    app = create_app(settings)
    app.register(explode)
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
async def cors_client(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncTestClient]:
    """The real app with two allowed origins (the test's own database, as `settings`)."""
    monkeypatch.setenv("CORS_ORIGINS", f"{ALLOWED},https://admin.esante.example")
    async with AsyncTestClient(app=create_app(Settings())) as client:
        yield client


def _logged(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, Any]]:
    return [
        record.msg
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg.get("event") == event
    ]


async def test_unexpected_error_is_a_bare_500_problem(
    failing_client, caplog: pytest.LogCaptureFixture
) -> None:
    response = await failing_client.get(
        "/api/v1/explode", headers={"X-Request-ID": "boom-request-1"}
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "boom-request-1"
    body = response.json()
    assert body["status"] == 500 and body["title"] == "Internal Server Error"
    assert body["type"].startswith("https://")
    assert body["request_id"] == "boom-request-1"
    for leak in (SECRET_TEXT, "RuntimeError", "Traceback", ".py", "/work", "line "):
        assert leak not in response.text

    [entry] = _logged(caplog, "unhandled_error")
    assert entry["request_id"] == "boom-request-1"
    assert entry["path"] == "/api/v1/explode"
    assert entry["level"] == "error"
    assert "RuntimeError" in entry["exception"]  # the traceback goes to the log, not the client


async def test_unexpected_error_without_client_id_still_names_one(failing_client) -> None:
    response = await failing_client.get("/api/v1/explode")
    assert response.status_code == 500
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "code"),
    [
        ("GET", "/api/v1/no-such-route", None, 404, "not_found"),
        ("DELETE", "/health/live", None, 405, "method_not_allowed"),
        ("POST", "/api/v1/auth/login", b"{", 400, "bad_request"),
        ("POST", "/api/v1/auth/login", b"{}", 422, "invalid_input"),
        ("GET", "/api/v1/appointments", None, 401, "unauthenticated"),
        ("GET", "/api/v1/explode", None, 500, "internal_error"),
    ],
)
async def test_every_problem_names_a_code_even_when_the_framework_raised_it(
    failing_client, method: str, path: str, content: bytes | None, status: int, code: str
) -> None:
    """Clients branch on `code`: an unknown path, a wrong method or an unreadable body (all
    refused by Litestar before any handler) carry one like the domain's own refusals."""
    headers = {"Content-Type": "application/json"} if content is not None else {}
    response = await failing_client.request(method, path, content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def _preflight(client: AsyncTestClient, origin: str) -> Response:
    """What a browser asks before a cross-origin JSON POST with a token."""
    return await client.options(
        "/api/v1/auth/login",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )


async def test_preflight_from_an_allowed_origin_is_allowed(cors_client) -> None:
    response = await _preflight(cors_client, ALLOWED)
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_preflight_from_another_origin_is_not_allowed(cors_client) -> None:
    response = await _preflight(cors_client, OTHER)
    assert "access-control-allow-origin" not in response.headers


async def test_simple_request_from_an_allowed_origin_carries_the_header(cors_client) -> None:
    allowed = await cors_client.get("/health/live", headers={"Origin": ALLOWED})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    other = await cors_client.get("/health/live", headers={"Origin": OTHER})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_when_no_origin_is_configured(client) -> None:
    response = await _preflight(client, ALLOWED)
    assert "access-control-allow-origin" not in response.headers
