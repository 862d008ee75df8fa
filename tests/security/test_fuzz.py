"""Schemathesis against the live OpenAPI document of a real web process, as each role.

Every operation gets a bounded, derandomized set of generated requests (schema-valid and
not) with the role's access token; every response must pass every response check:
no server error, a documented status, a documented content type, documented headers, a
body matching the documented schema, routes that need a token really need one, data the
schema forbids is refused, an undeclared method is 405, and no password or token hash.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as st_checks
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as oa_checks

from tests.security.calls import object_id, object_side
from tests.security.matrix import MATRIX, ONLY_MISSING
from tests.security.test_authorization_matrix import SECRET_FIELDS
from tests.security.test_mass_assignment import rightful_actor
from tests.support.people import make_person

BCRYPT = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")
EXAMPLES_PER_OPERATION = 12  # per role and operation
EXAMPLES_ON_REAL_OBJECTS = 25
ROLES = ("anonymous", "patient", "doctor", "admin")


@schemathesis.check
def no_secrets(ctx: Any, response: Any, case: Any) -> None:
    """No answer carries a password or token hash, whatever was asked."""
    text = response.text or ""
    found = SECRET_FIELDS.search(text) or BCRYPT.search(text)
    assert found is None, f"a secret in the response: {found.group(0) if found else ''}"


CHECKS = [
    no_secrets,
    st_checks.not_a_server_error,
    oa_checks.status_code_conformance,
    oa_checks.content_type_conformance,
    oa_checks.response_headers_conformance,
    oa_checks.response_schema_conformance,
    oa_checks.ignored_auth,
    oa_checks.negative_data_rejection,
    oa_checks.unsupported_method,
    oa_checks.missing_required_header,
]


@pytest.fixture(scope="module")
def web(module_platform) -> Any:
    return module_platform.start("web")


@pytest.fixture(scope="module")
def api_schema(web) -> Any:
    return schemathesis.openapi.from_url(f"{web.url}/schema/openapi.json")


@pytest.fixture(scope="module")
async def tokens(module_db, module_settings) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ("patient", "doctor", "admin"):
        out[role] = (await make_person(module_db, module_settings, role)).headers
    return out


def _fuzz(
    operation: Any,
    base_url: str,
    headers: dict[str, str],
    path_parameters: dict[str, str] | None = None,
    examples: int = EXAMPLES_PER_OPERATION,
) -> tuple[int, list[str]]:
    found: list[str] = []
    sent = 0

    @given(
        case=operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters)
        | operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters)
    )
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
        except (Exception, BaseExceptionGroup) as failure:  # report every case, not the first
            found.append(f"{operation.label}: {str(failure)[:1500]}")

    run()
    return sent, found


@pytest.mark.e2e
@pytest.mark.timeout(300)
@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_as_each_role(role: str, api_schema, web, tokens) -> None:
    failures: list[str] = []
    operations = cases = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        sent, found = _fuzz(operation, web.url, tokens[role])
        cases += sent
        failures += found
    print(f"schemathesis as {role}: {operations} operations, {cases} cases")
    assert operations >= 70
    assert cases >= operations * 2
    assert failures == [], "\n\n".join(failures[:20]) + f"\n\n{len(failures)} failing cases"


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_schemathesis_on_real_objects(api_schema, web, world) -> None:
    """Operations on an object, by its rightful caller, on the world's real objects: the
    generated bodies and queries reach the code behind the access checks."""
    failures: list[str] = []
    operations = cases = 0
    by_route = {(r.method, r.path): r for r in MATRIX}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        route = by_route.get((operation.method.upper(), operation.path))
        if route is None or route.obj is None or route.where != "path":
            continue
        if route.obj in ONLY_MISSING:
            continue
        actor = rightful_actor(route)
        person = world.specialist if route.path.endswith(("/accept", "/decline")) else None
        person = person or world.actors[actor]
        side = object_side(world, actor, "own")
        target = object_id(route, world, actor, side)
        names = [
            p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "path"
        ]
        operations += 1
        headers = person.headers if person else {}
        sent, found = _fuzz(
            operation, web.url, headers, {n: target for n in names}, EXAMPLES_ON_REAL_OBJECTS
        )
        cases += sent
        failures += found
    print(f"schemathesis on real objects: {operations} operations, {cases} cases")
    assert operations >= 30
    assert failures == [], "\n\n".join(failures[:20]) + f"\n\n{len(failures)} failing cases"
