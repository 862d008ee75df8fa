"""Role guards other controllers use, and what the OpenAPI document says about them."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Controller, get
from litestar.testing import AsyncTestClient
from pymongo import MongoClient

from api.app import create_app
from api.security import BEARER, authenticated, requires_role
from domain.accounts import Principal
from tests.auth.support import doctor_form, patient_form, signed_in_user


class ClinicController(Controller):
    path = "/api/v1/clinic-probe"
    security = BEARER

    @get("/doctors-only", guards=[requires_role("doctor")])
    async def doctors_only(self, current_user: Principal) -> dict[str, Any]:
        return {"user_id": current_user.user_id, "role": current_user.role.value}

    @get("/anyone-signed-in", guards=[authenticated])
    async def anyone(self, current_user: Principal) -> dict[str, Any]:
        return {"role": current_user.role.value}

    @get("/no-guard")
    async def no_guard(self, current_user: Principal) -> dict[str, Any]:
        return {"role": current_user.role.value}


@pytest.fixture
async def guarded(settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.register(ClinicController)
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_the_right_role_passes_and_the_wrong_one_is_403(guarded, settings) -> None:
    doctor = await signed_in_user(guarded, settings, doctor_form())
    patient = await signed_in_user(guarded, settings, patient_form())
    allowed = await guarded.get("/api/v1/clinic-probe/doctors-only", headers=doctor.headers)
    assert allowed.status_code == 200
    assert allowed.json() == {"user_id": doctor.id, "role": "doctor"}

    denied = await guarded.get("/api/v1/clinic-probe/doctors-only", headers=patient.headers)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    with MongoClient(settings.mongo.url) as mongo:
        events = list(mongo[settings.mongo.db].outbox.find({"event.type": "auth.access_denied"}))
    assert len(events) == 1
    event = events[0]["event"]
    assert event["actor"] == {"id": patient.id, "role": "patient"}
    assert event["subject"]["id"] == "GET /api/v1/clinic-probe/doctors-only"
    assert event["context"]["outcome"] == "failure"


async def test_any_signed_in_user_passes_the_authenticated_guard(guarded, settings) -> None:
    patient = await signed_in_user(guarded, settings, patient_form())
    for path in ("anyone-signed-in", "no-guard"):
        ok = await guarded.get(f"/api/v1/clinic-probe/{path}", headers=patient.headers)
        assert ok.json() == {"role": "patient"}
        anonymous = await guarded.get(f"/api/v1/clinic-probe/{path}")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")


async def test_openapi_marks_protected_routes_with_the_bearer_scheme(client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"BearerToken": []}]
    assert spec["paths"]["/api/v1/auth/change-password"]["post"]["security"] == [
        {"BearerToken": []}
    ]
    assert "security" not in spec["paths"]["/api/v1/auth/login"]["post"]
    for path in ("register", "login", "refresh", "logout", "verify-email", "reset-password"):
        assert f"/api/v1/auth/{path}" in spec["paths"]
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"200", "401", "403", "423"} <= set(login)
    assert "application/problem+json" in login["423"]["content"]
