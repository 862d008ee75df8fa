"""MongoDB operator payloads in every JSON field, form field, query and path parameter of
the OpenAPI document are taken as data or refused, never interpreted.

Each operation is called by its rightful caller with a well-formed request in which one
input at a time is replaced by `{"$ne": null}`, `{"$gt": ""}`, `{"$where": "sleep(100)"}`
or `{"$regex": ".*"}` (as JSON in bodies, as their JSON text or bracket form in query
strings and paths). No answer is a server error, none takes long (a `$where` would be run),
none carries the other side's ids, a list never returns more rows than for a value that
matches nothing, and sign-in never succeeds.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import pytest

from tests.security.calls import build_call
from tests.security.matrix import ACTORS, MATRIX, ONLY_MISSING, Route, expected
from tests.security.test_authorization_matrix import foreign_ids
from tests.security.world import PASSWORD, World

OPERATORS: list[Any] = [
    {"$ne": None},
    {"$gt": ""},
    {"$where": "sleep(100)"},
    {"$regex": ".*"},
]
NO_MATCH = "zz-matches-nothing-zz"
ROUTES = [r for r in MATRIX if r.obj not in ONLY_MISSING and not r.path.startswith("/health")]


def _caller(route: Route) -> str:
    if route.path.endswith(("/accept", "/decline")):
        return "treating_doctor"
    if route.roles is None:
        return "patient_a"
    for actor in ACTORS:
        if expected(route, actor, "own" if route.obj else "none") == "ok":
            return actor
    raise AssertionError(route)


def _inputs(document: dict[str, Any], route: Route) -> tuple[list[str], list[str], list[str]]:
    operation = document["paths"][route.path][route.method.lower()]
    query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    path = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    body: list[str] = []
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media["schema"]
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        body += [name for name in schema.get("properties", {}) if name != "file"]
    return path, query, body


def _rows(response: Any) -> int | None:
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return len(body["items"])
    if isinstance(body, list):
        return len(body)
    return None


@pytest.fixture(scope="module")
async def document(module_client) -> dict[str, Any]:
    return dict((await module_client.get("/schema/openapi.json")).json())


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
async def test_operators_are_data(route: Route, module_client, world: World, document) -> None:
    client = module_client
    actor = _caller(route)
    person = world.specialist if route.path.endswith(("/accept", "/decline")) else None
    person = person or world.actors[actor]
    headers = person.headers if person else {}
    forbidden = foreign_ids(world, actor)
    path_names, query_names, body_names = _inputs(document, route)
    sent = 0

    async def check(call: Any, what: str, baseline_rows: int | None = None) -> None:
        nonlocal sent
        sent += 1
        started = time.monotonic()
        response = await call.send(client, headers)
        took = time.monotonic() - started
        context = f"{what}: {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, context
        assert took < 5, context
        if 200 <= response.status_code < 300:
            leaked = sorted(i for i in forbidden if i in response.text)
            assert leaked == [], context
            rows = _rows(response)
            if baseline_rows is not None and rows is not None:
                assert rows <= baseline_rows, f"{what}: {rows} rows, {baseline_rows} expected"
        if route.path.endswith("/auth/login"):
            assert response.status_code != 200, context

    for name in body_names:
        for operator in OPERATORS:
            call, _ = await build_call(client, route, world, actor, "own" if route.obj else "none")
            if "json" in call.kwargs:
                call.kwargs["json"] = {**call.kwargs["json"], name: operator}
            elif "data" in call.kwargs:
                call.kwargs["data"] = {**call.kwargs["data"], name: json.dumps(operator)}
            else:
                continue
            await check(call, f"body {name}={operator}")

    for name in query_names:
        base, _ = await build_call(client, route, world, actor, "own" if route.obj else "none")
        params = dict(base.kwargs.get("params", {}))
        literal = type(base)(
            base.method, base.url, {**base.kwargs, "params": {**params, name: NO_MATCH}}
        )
        baseline = _rows(await literal.send(client, headers))
        for operator in [*OPERATORS, ".*"]:
            value = operator if isinstance(operator, str) else json.dumps(operator)
            call = type(base)(
                base.method, base.url, {**base.kwargs, "params": {**params, name: value}}
            )
            await check(call, f"query {name}={value}", baseline)
        # The bracket form some frameworks turn into objects: here another parameter name,
        # so no more rows than without the parameter at all.
        without = {k: v for k, v in params.items() if k != name}
        absent = _rows(
            await type(base)(base.method, base.url, {**base.kwargs, "params": without}).send(
                client, headers
            )
        )
        for operator in OPERATORS:
            key, value = next(iter(operator.items()))
            bracket = {**without, f"{name}[{key}]": "" if value is None else str(value)}
            call = type(base)(base.method, base.url, {**base.kwargs, "params": bracket})
            await check(call, f"query {name}[{key}]", absent)

    if path_names:
        base, _ = await build_call(client, route, world, actor, "own" if route.obj else "none")
        for operator in OPERATORS:
            text = quote(json.dumps(operator), safe="")
            url = route.path
            for name in path_names:
                url = url.replace("{" + name + "}", text)
            call = type(base)(base.method, url, base.kwargs)
            await check(call, f"path {url}")

    print(f"nosql {route.method} {route.path}: {sent} requests")


async def test_login_with_operators_signs_nobody_in(module_client, world: World) -> None:
    email = f"{world.a.patient.id}@example.test"
    attempts = [
        {"email": {"$ne": None}, "password": {"$ne": None}},
        {"email": email, "password": {"$ne": None}},
        {"email": {"$regex": ".*"}, "password": PASSWORD},
        {"email": {"$gt": ""}, "password": PASSWORD},
        {"email": email, "password": {"$gt": ""}},
        {"email": {"$where": "true"}, "password": PASSWORD},
    ]
    for body in attempts:
        response = await module_client.post("/api/v1/auth/login", json=body)
        assert response.status_code in (400, 401, 422), (body, response.text)
        assert "access_token" not in response.text
