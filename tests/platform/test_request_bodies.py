"""What a client is told about a body or parameter the platform cannot use: a body that is
not UTF-8 or nested too deep to decode is a 400 like malformed JSON, and every field error
names the field as the client sent it (`from`, `title`, `file`), never a handler's argument
or "data"."""

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
# No such conversation; fixed, so that test ids are the same in every collection.
NO_CONVERSATION = "6b06d71f9f6fe8018511fc52"
A_PDF = ("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")


@pytest.fixture
async def people(db, settings: Settings) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    return {
        "patient": await make_person(db, settings, "patient"),
        "doctor": await make_person(db, settings, "doctor"),
    }


def _field_errors(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return list(response.json()["errors"])


@pytest.mark.parametrize(
    ("method", "path", "signed_in"),
    [
        ("POST", "/api/v1/auth/login", False),
        ("POST", "/api/v1/auth/register", False),
        ("POST", "/api/v1/auth/forgot-password", False),
        ("POST", "/api/v1/auth/refresh", False),
        ("POST", "/api/v1/auth/change-password", True),
        ("PATCH", "/api/v1/users/me/profile", True),
        ("POST", f"/api/v1/conversations/{NO_CONVERSATION}/messages", True),
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


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/api/v1/auth/login", False),
        (f"/api/v1/conversations/{NO_CONVERSATION}/messages", True),
        ("/api/v1/consultations", True),
    ],
)
@pytest.mark.parametrize("depth", [1_000, 100_000])
async def test_json_nested_too_deep_is_a_400(
    client, people, path: str, signed_in: bool, depth: int
) -> None:
    """msgspec gives up on such a body with a RecursionError (a 500 before)."""
    body = '{"email":' + "[" * depth + "]" * depth + "}"
    headers = {**JSON, **(people["doctor"].headers if signed_in else {})}
    response = await client.post(path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"


@get("/api/v1/recursing")
async def recursing() -> dict[str, Any]:
    def deeper(n: int) -> int:
        return deeper(n + 1)

    return {"depth": deeper(0)}


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


@pytest.mark.parametrize("handler", [garbled, recursing], ids=["decoding", "recursion"])
async def test_the_same_error_of_the_server_s_own_is_still_a_500(
    settings: Settings, handler: Any
) -> None:
    app = create_app(settings)
    app.register(handler)
    async with AsyncTestClient(app=app) as client:
        response = await client.get(next(iter(handler.paths)))
    assert response.status_code == 500


@pytest.mark.parametrize(
    "path", ["/api/v1/doctors/{doctor}/slots?from=garbage", "/api/v1/appointments?from=xx"]
)
async def test_a_bad_query_parameter_is_named_as_sent(client, people, path: str) -> None:
    url = path.format(doctor=people["doctor"].id)
    response = await client.get(url, headers=people["patient"].headers)
    assert [error["field"] for error in _field_errors(response)] == ["from"]


async def test_a_missing_body_names_its_required_fields(client, people) -> None:
    response = await client.post(
        f"/api/v1/referrals/{ObjectId()}/decline", headers=people["doctor"].headers
    )
    assert _field_errors(response) == [{"field": "reason", "message": "Field required"}]


async def test_a_missing_body_without_required_fields_says_a_body_is_required(
    client, people
) -> None:
    response = await client.post(
        f"/api/v1/appointments/{ObjectId()}/reject", headers=people["doctor"].headers
    )
    assert _field_errors(response) == [{"field": "body", "message": "A request body is required"}]


async def test_a_form_without_a_field_names_it(client, people) -> None:
    form = {"patient_id": (None, people["patient"].id), "category": (None, "lab")}
    response = await client.post(
        "/api/v1/documents", files={"file": A_PDF, **form}, headers=people["doctor"].headers
    )
    assert _field_errors(response) == [{"field": "title", "message": "Field required"}]


@pytest.mark.parametrize(
    ("method", "path", "who", "form"),
    [
        ("PUT", "/api/v1/users/me/photo", "patient", {"caption": "me"}),
        ("POST", "/api/v1/documents", "doctor", {"title": "x", "category": "lab"}),
    ],
)
async def test_a_form_without_its_file_names_file(
    client, people, method: str, path: str, who: str, form: dict[str, str]
) -> None:
    parts = {name: (None, value) for name, value in form.items()}
    if who == "doctor":
        parts["patient_id"] = (None, people["patient"].id)
    response = await client.request(method, path, files=parts, headers=people[who].headers)
    assert {"field": "file", "message": "Field required"} in _field_errors(response)


async def test_a_text_where_the_file_goes_is_not_a_file(client, people) -> None:
    response = await client.put(
        "/api/v1/users/me/photo", files={"file": (None, "abc")}, headers=people["patient"].headers
    )
    assert _field_errors(response) == [{"field": "file", "message": "must be a file"}]


@pytest.mark.parametrize(
    "body",
    [
        {"json": {"file": "aGVsbG8="}},
        {"data": {"file": "x"}},  # application/x-www-form-urlencoded
        {"content": b"x", "headers": {"content-type": "image/png"}},
    ],
)
async def test_a_form_route_refuses_another_media_type(client, people, body) -> None:
    headers = {**body.pop("headers", {}), **people["patient"].headers}
    response = await client.put("/api/v1/users/me/photo", headers=headers, **body)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("weekly", "field"),
    [
        ([1], "weekly[0]"),
        ([{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": "x"}], "weekly[1].weekday"),
        ([{"weekday": 1, "start": "09:00"}], "weekly[0].end"),
    ],
)
async def test_an_item_of_a_list_is_named_with_its_index_in_brackets(
    client, people, weekly: list[Any], field: str
) -> None:
    """As the domain's own errors name them (`allergies[0]`), not `weekly.0`."""
    body = {"timezone": "UTC", "slot_minutes": 30, "weekly": weekly}
    response = await client.put(
        "/api/v1/doctors/me/availability", json=body, headers=people["doctor"].headers
    )
    assert field in [e["field"] for e in _field_errors(response)], response.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slot_minutes": "30"}, "slot_minutes"),
        ({"weekly": [{"weekday": True, "start": "09:00", "end": "12:00"}]}, "weekly[0].weekday"),
        ({"weekly": [{"weekday": "1", "start": "09:00", "end": "12:00"}]}, "weekly[0].weekday"),
        ({"cancellation_notice_hours": True}, "cancellation_notice_hours"),
        ({"cancellation_notice_hours": "48"}, "cancellation_notice_hours"),
    ],
)
async def test_availability_numbers_are_not_guessed_from_other_types(
    client, people, change: dict[str, Any], field: str
) -> None:
    """Lax parsing took `true` for Tuesday or for an hour of notice, "30" for 30."""
    body = {"timezone": "UTC", "slot_minutes": 30, "weekly": [], **change}
    response = await client.put(
        "/api/v1/doctors/me/availability", json=body, headers=people["doctor"].headers
    )
    assert [e["field"] for e in _field_errors(response)] == [field], response.text


@pytest.mark.parametrize("switch", ["yes", 1, "true"])
async def test_a_notification_switch_is_a_boolean(client, people, switch: Any) -> None:
    response = await client.put(
        "/api/v1/notifications/preferences",
        json={"email": {"appointments": switch}},
        headers=people["patient"].headers,
    )
    assert [e["field"] for e in _field_errors(response)] == ["email.appointments"], response.text
