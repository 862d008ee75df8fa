"""A request body that is not UTF-8 is the client's mistake: a 400, like malformed JSON."""

from typing import Any

import pytest
from bson import ObjectId
from litestar import get
from litestar.testing import AsyncTestClient

from api.app import create_app
from config.settings import Settings
from tests.support.people import Person, make_person

NOT_UTF8 = b'{"email":"a\xff@x.com","password":"abcdefgh"}'
JSON = {"content-type": "application/json"}
A_PDF = ("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")


@pytest.fixture
async def people(db, settings: Settings) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    return {
        "patient": await make_person(db, settings, "patient"),
        "doctor": await make_person(db, settings, "doctor"),
    }


@pytest.mark.parametrize(
    ("method", "path", "signed_in"),
    [
        ("POST", "/api/v1/auth/login", False),
        ("POST", "/api/v1/auth/register", False),
        ("POST", "/api/v1/auth/forgot-password", False),
        ("POST", "/api/v1/auth/refresh", False),
        ("POST", "/api/v1/auth/change-password", True),
        ("PATCH", "/api/v1/users/me/profile", True),
        ("POST", f"/api/v1/conversations/{ObjectId()}/messages", True),
    ],
)
async def test_a_json_body_that_is_not_utf8_is_a_400(
    client, people, method: str, path: str, signed_in: bool
) -> None:
    headers = {**JSON, **(people["patient"].headers if signed_in else {})}
    response = await client.request(method, path, content=NOT_UTF8, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The request body is not valid UTF-8"


async def test_a_form_field_that_is_not_utf8_is_a_400(client, people) -> None:
    response = await client.post(
        "/api/v1/documents",
        files={"file": A_PDF, "title": (None, b"r\xe9sultats")},  # Latin-1, not UTF-8
        headers=people["doctor"].headers,
    )
    assert response.status_code == 400, response.text


@get("/api/v1/garbled")
async def garbled() -> dict[str, Any]:
    return {"text": b"\xff".decode()}


async def test_a_decoding_error_of_the_server_s_own_is_still_a_500(settings: Settings) -> None:
    app = create_app(settings)
    app.register(garbled)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/v1/garbled")
    assert response.status_code == 500
