"""Every answer in the OpenAPI document has a shape: a client generated from it gets typed
models, not maps of anything."""

from __future__ import annotations

from typing import Any

SUCCESS_BODY_METHODS = ("get", "post", "put", "patch", "delete")


def _untyped(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("oneOf", "anyOf", "allOf"):
        if combined in schema:
            parts = [part for part in schema[combined] if part.get("type") != "null"]
            return not parts or any(_untyped(part, components) for part in parts)
    kind = schema.get("type")
    if kind == "array":
        return "items" not in schema or _untyped(schema["items"], components)
    if kind in (None, "object"):
        return not schema.get("properties")
    return False


def untyped_answers(spec: dict[str, Any]) -> list[str]:
    components = spec.get("components", {}).get("schemas", {})
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in SUCCESS_BODY_METHODS:
                continue
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    if "schema" not in content or _untyped(content["schema"], components):
                        found.append(f"{method.upper()} {path} {status} {media_type}")
    return found


def test_the_guard_tells_a_map_of_anything_from_a_model() -> None:
    spec = {
        "components": {"schemas": {"Out": {"type": "object", "properties": {"id": {}}}}},
        "paths": {
            "/typed": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Out"}}
            }}}}}},
            "/map": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "object", "additionalProperties": {}}
            }}}}}},
            "/maps": {"post": {"responses": {"201": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"type": "object"}}
            }}}}}},
            "/empty": {"delete": {"responses": {"204": {"description": "gone"}}}},
        },
    }  # fmt: skip
    assert untyped_answers(spec) == [
        "GET /map 200 application/json",
        "POST /maps 201 application/json",
    ]


async def test_every_success_answer_has_a_typed_schema(client: Any) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    assert untyped_answers(spec) == []


# Answers that are maps by design: a FHIR resource (its own schema is FHIR's), measured
# vitals, per-category switches, readiness checks and counts keyed by a name.
FREE_FORM = {
    "BundleEntryOut.resource", "ConsultationOut.vitals", "ConsultationVersionOut.vitals",
    "DeadLetterOut.arguments", "PreferencesOut.email", "PreferencesOut.push", "ReadyOut.checks",
    "StatsOut.appointments_by_status", "StatsOut.queue_depths", "StatsOut.users_by_role",
}  # fmt: skip


def untyped_fields(spec: dict[str, Any]) -> set[str]:
    """Fields of answer models, at any depth, that are objects without properties."""
    components = spec.get("components", {}).get("schemas", {})
    found: set[str] = set()

    def walk(schema: dict[str, Any], where: str, seen: set[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], name, seen | {name})
            return
        for part in [*schema.get("oneOf", []), *schema.get("anyOf", []), *schema.get("allOf", [])]:
            walk(part, where, seen)
        if schema.get("type") == "array" and "items" in schema:
            walk(schema["items"], f"{where}[]", seen)
        if schema.get("type") == "object" or "properties" in schema:
            if not schema.get("properties"):
                found.add(where)
            for name, field in schema.get("properties", {}).items():
                walk(field, f"{where}.{name}", seen)

    for operations in spec["paths"].values():
        for method, operation in operations.items():
            if method not in SUCCESS_BODY_METHODS:
                continue
            for status, response in operation.get("responses", {}).items():
                for content in response.get("content", {}).values():
                    if status.startswith("2") and "schema" in content:
                        walk(content["schema"], f"{method.upper()} answer", set())
    return found


async def test_the_fields_of_every_answer_are_typed_but_known_maps(client: Any) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    assert untyped_fields(spec) == FREE_FORM
    record = spec["components"]["schemas"]["AuditRecordOut"]["properties"]
    assert {"seq", "time", "action", "actor_id", "patient_id", "prev_hash", "hash"} <= set(record)


async def test_opening_a_conversation_documents_both_answers(client: Any) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    answers = spec["paths"]["/api/v1/conversations"]["post"]["responses"]
    for status in ("200", "201"):
        schema = answers[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ConversationOut"}, status
