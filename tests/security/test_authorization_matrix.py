"""Every route x actor x object of tests/security/matrix.py, against one world.

A denial is exactly the status the matrix names; someone else's object answers exactly
like a missing one; a 2xx never carries the other side's patient or records, nor a
password or token hash.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.security.calls import build_call
from tests.security.matrix import MATRIX, Case, cases
from tests.security.world import World

CASES = cases()
SECRET_FIELDS = re.compile(r'"(password_hash|token_hash|refresh_token_hash|hash|password)"\s*:')
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _headers(world: World, actor: str) -> dict[str, str]:
    person = world.actors[actor]
    return person.headers if person is not None else {}


def _comparable(body: Any) -> Any:
    # the parts of a problem that name the request itself may differ
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if k not in ("detail", "instance")}
    return body


def foreign_ids(world: World, actor: str) -> set[str]:
    """What the caller must never see: the other side's patient and records."""
    other = {"patient_a": world.b, "treating_doctor": world.b}.get(actor) or {
        "patient_b": world.a,
        "unrelated_doctor": world.a,
    }.get(actor)
    if other is None:
        return set()
    return {other.patient.id, *other.objects.values()}


async def test_every_route_in_the_openapi_document_has_a_row(module_client) -> None:
    document = (await module_client.get("/schema/openapi.json")).json()
    published = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    classified = {(route.method, route.path) for route in MATRIX}
    assert sorted(published - classified) == [], "routes without a row in tests/security/matrix.py"
    assert sorted(classified - published) == [], "rows for routes the API no longer has"
    assert len(classified) == len(MATRIX), "a route has two rows"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_matrix_case(case: Case, module_client, world: World) -> None:
    client = module_client
    call, _ = await build_call(client, case.route, world, case.actor, case.obj)
    response = await call.send(client, _headers(world, case.actor))
    status = response.status_code
    assert status < 500, response.text
    text = response.text
    assert not SECRET_FIELDS.search(text), text[:500]

    if case.expected == "ok":
        assert status not in (401, 403, 404), f"{status}: {text[:300]}"
        assert status < 300 or status in (400, 409, 422), f"{status}: {text[:300]}"
    else:
        assert status == case.expected, f"expected {case.expected}, got {status}: {text[:300]}"

    if 200 <= status < 300:
        leaked = sorted(i for i in foreign_ids(world, case.actor) if i in text)
        assert leaked == [], f"the other side's ids in a {status}: {leaked}"

    if case.obj == "foreign" and case.expected == 404:
        missing_call, _ = await build_call(client, case.route, world, case.actor, "missing")
        missing = await missing_call.send(client, _headers(world, case.actor))
        assert missing.status_code == status
        assert missing.headers.get("content-type") == response.headers.get("content-type")
        assert _comparable(missing.json()) == _comparable(response.json())
