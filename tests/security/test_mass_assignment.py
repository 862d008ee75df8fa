"""Fields a write does not accept (owner, patient, doctor, role, status, ids, timestamps,
account flags) are ignored or refused, never applied.

Every write route of the matrix with a JSON or form body is sent the well-formed request
of its rightful caller plus every such field it does not declare, carrying the other
side's ids and privileged values. The answer is the normal one or a 422, and neither the
answer, the object as read back, nor the caller's account shows an injected value.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest

from tests.security.calls import build_call, object_side
from tests.security.matrix import ACTORS, MATRIX, ONLY_MISSING, V1, Route, expected
from tests.security.world import MISSING_ID, PASSWORD, PASSWORD_HASH, World
from tests.support.people import make_person

WRITES = [
    r
    for r in MATRIX
    if r.method in ("POST", "PUT", "PATCH") and r.roles is not None and r.obj not in ONLY_MISSING
]
LONG_AGO = "2001-01-01T00:00:00Z"
ATTACKER_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FAR_FUTURE = "2099-01-01T00:00:00Z"


def _injected(world: World, actor: str) -> dict[str, Any]:
    other = object_side(world, actor, "foreign")
    assert other is not None
    return {
        "owner_id": other.patient.id,
        "user_id": other.patient.id,
        "patient_id": other.patient.id,
        "doctor_id": other.doctor.id,
        "from_doctor_id": other.doctor.id,
        "to_doctor_id": other.doctor.id,
        "sender_id": other.patient.id,
        "uploaded_by": other.doctor.id,
        "participant_ids": [other.patient.id, other.doctor.id],
        "role": "admin",
        "status": "archived",  # no route ever sets it
        "id": MISSING_ID,
        "_id": MISSING_ID,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "editable_until": FAR_FUTURE,
        "locked": False,
        "email_verified": True,
        "active": False,
        "token_version": 99,
        "password_hash": "$2b$04$injectedinjectedinjectedinjectedinjectedinjectedinjec",
        "storage_key": "../../etc/passwd",
        "scan_status": "clean",
        "mfa_enabled": True,
        "mfa_secret": ATTACKER_TOTP_SECRET,
        "mfa_last_step": 0,
        "recovery_codes": ["aaaa-bbbb-cccc-dddd"],
    }


def rightful_actor(route: Route) -> str:
    if route.path.endswith(("/accept", "/decline")):
        return "treating_doctor"  # sent by the treating doctor, answered by the specialist
    for actor in ACTORS:
        if actor in ("admin",) and route.roles != ("admin",):
            continue
        obj = "own" if route.obj else "none"
        if expected(route, actor, obj) == "ok":
            return actor
    raise AssertionError(f"nobody may call {route.method} {route.path}")


def _declared(document: dict[str, Any], route: Route) -> set[str]:
    operation = document["paths"][route.path][route.method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    names: set[str] = set()
    for media in content.values():
        schema = media["schema"]
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        names |= set(schema.get("properties", {}))
    return names


def _shows(body: Any, key: str, value: Any) -> bool:
    if isinstance(body, dict):
        if key in body and body[key] == value:
            return True
        return any(_shows(v, key, value) for v in body.values())
    if isinstance(body, list):
        return any(_shows(v, key, value) for v in body)
    return False


@pytest.fixture(scope="module")
async def document(module_client) -> dict[str, Any]:
    return dict((await module_client.get("/schema/openapi.json")).json())


@pytest.mark.parametrize("route", WRITES, ids=[f"{r.method} {r.path}" for r in WRITES])
async def test_unaccepted_fields_are_never_applied(
    route: Route, module_client, world: World, document, module_db
) -> None:
    client = module_client
    actor = rightful_actor(route)
    person = world.actors[actor]
    if route.path.endswith(("/accept", "/decline")):
        person = world.specialist
    assert person is not None
    call, _ = await build_call(client, route, world, actor, "own" if route.obj else "none")
    declared = _declared(document, route)
    extra = {k: v for k, v in _injected(world, actor).items() if k not in declared}
    if "json" in call.kwargs or not call.kwargs:
        call.kwargs["json"] = {**call.kwargs.get("json", {}), **extra}
    elif "data" in call.kwargs:
        call.kwargs["data"] = {
            **call.kwargs["data"],
            **{k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()},
        }
    else:  # a file alone (the photo): extra form fields beside it
        call.kwargs["data"] = {k: str(v) for k, v in extra.items()}
    response = await call.send(client, person.headers)
    print(
        f"mass assignment {route.method} {route.path}: {len(extra)} fields, {response.status_code}"
    )

    assert response.status_code < 500, response.text
    assert response.status_code in (200, 201, 202, 204, 409, 422), response.text
    readings = [response.json()] if response.content else []
    created = readings[0].get("id") if readings and isinstance(readings[0], dict) else None
    if created and response.status_code == 201:
        getter = next(
            (
                r
                for r in MATRIX
                if r.method == "GET"
                and r.path.startswith(route.path.rstrip("/") + "/{")
                and r.path.count("/") == route.path.count("/") + 1
            ),
            None,
        )
        if getter is not None:
            url = getter.path.split("{")[0] + str(created)
            read = await client.get(url, headers=person.headers)
            assert read.status_code == 200, read.text
            readings.append(read.json())
    for body in readings:
        for key, value in extra.items():
            assert not _shows(body, key, value), f"{key}={value!r} was applied: {body}"

    from bson import ObjectId

    account = await module_db.users.find_one({"_id": ObjectId(person.id)})
    assert account["role"] == person.role
    assert account["active"] is True
    assert account.get("token_version", 0) == 0
    assert account["password_hash"] != extra.get("password_hash")
    assert account.get("mfa_enabled") is not True
    assert account.get("mfa_secret") is None and account.get("mfa_last_step") is None
    assert await module_db.users.find_one({"_id": ObjectId(MISSING_ID)}) is None


async def test_registration_cannot_choose_admin_or_skip_verification(module_client) -> None:
    email = "mass-assignment@example.test"
    response = await module_client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": "a long enough password",
            "role": "admin",
            "first_name": "Eve",
            "last_name": "Intruder",
        },
    )
    assert response.status_code == 422, response.text
    registered = await module_client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": "a long enough password",
            "role": "patient",
            "first_name": "Eve",
            "last_name": "Intruder",
            "email_verified": True,
            "active": True,
            "id": MISSING_ID,
        },
    )
    assert registered.status_code in (201, 422), registered.text
    if registered.status_code == 201:
        assert registered.json()["email_verified"] is False
        assert registered.json()["id"] != MISSING_ID
        login = await module_client.post(
            "/api/v1/auth/login", json={"email": email, "password": "a long enough password"}
        )
        assert login.status_code == 403, login.text  # still unverified


async def test_two_factor_bodies_cannot_choose_the_secret_or_the_recovery_codes(
    module_client, module_db, module_settings
) -> None:
    """Enabling with a right code succeeds; the fields slipped in beside it do nothing."""
    client = module_client
    person = await make_person(module_db, module_settings, "patient", password_hash=PASSWORD_HASH)
    setup = await client.post(
        f"{V1}/auth/mfa/setup",
        json={"secret": ATTACKER_TOTP_SECRET, "mfa_secret": ATTACKER_TOTP_SECRET},
        headers=person.headers,
    )
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert secret != ATTACKER_TOTP_SECRET
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    injected = {
        "code": totp.generate_otp(step),
        # this person's token names no session, so no recent sign-in: the password confirms
        "current_password": PASSWORD,
        "secret": ATTACKER_TOTP_SECRET,
        "mfa_secret": ATTACKER_TOTP_SECRET,
        "recovery_codes": ["aaaa-bbbb-cccc-dddd"],
        "mfa_last_step": 10**12,
        "mfa_enabled": False,
        "user_id": MISSING_ID,
    }
    enabled = await client.post(f"{V1}/auth/mfa/enable", json=injected, headers=person.headers)
    assert enabled.status_code == 200, enabled.text
    assert "aaaa-bbbb-cccc-dddd" not in enabled.json()["recovery_codes"]

    async def second_step(code: str) -> int:
        login = await client.post(
            f"{V1}/auth/login", json={"email": f"{person.id}@example.test", "password": PASSWORD}
        )
        assert login.json()["mfa_required"] is True, login.text
        token = login.json()["mfa_token"]
        verify = {"mfa_token": token, "code": code, "user_id": MISSING_ID, "mfa_enabled": False}
        return int((await client.post(f"{V1}/auth/mfa/verify", json=verify)).status_code)

    attacker = pyotp.TOTP(ATTACKER_TOTP_SECRET).generate_otp(step + 1)
    assert await second_step("aaaa-bbbb-cccc-dddd") == 401
    if attacker != totp.generate_otp(step + 1):
        assert await second_step(attacker) == 401
    assert await second_step(totp.generate_otp(step + 1)) == 200
