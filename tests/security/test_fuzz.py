"""Schemathesis against the live OpenAPI document of a real web process, as each role.

Every operation gets a bounded, derandomized set of generated requests (schema-valid and
not) with the role's access token; every response must pass every response check:
no server error, a documented status, a documented content type, documented headers, a
body matching the documented schema, and routes that need a token really need one.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as st_checks
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as oa_checks

from tests.support.people import make_person

EXAMPLES_PER_OPERATION = 12
ROLES = ("anonymous", "patient", "doctor", "admin")
CHECKS = [
    st_checks.not_a_server_error,
    oa_checks.status_code_conformance,
    oa_checks.content_type_conformance,
    oa_checks.response_headers_conformance,
    oa_checks.response_schema_conformance,
    oa_checks.ignored_auth,
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


def _fuzz(operation: Any, base_url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    found: list[str] = []
    sent = 0

    @given(
        case=operation.as_strategy(GenerationMode.POSITIVE)
        | operation.as_strategy(GenerationMode.NEGATIVE)
    )
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
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
