"""OpenAPI descriptions of the problem+json answers a route can give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(
        description="stable machine-readable reason: a precise one where the platform has it "
        "(`password_confirmation_required`), else one per status (`not_found`, `invalid_input`)"
    )
    errors: list[FieldError] | None = Field(None, description="on validation failures")


def problems(**described: str) -> dict[int, ResponseSpec]:
    """`problems(_401="bad credentials")` → the `responses=` of a route handler."""
    return {
        int(status.lstrip("_")): ResponseSpec(
            data_container=Problem,
            description=text,
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status, text in described.items()
    }


_WHY = {
    400: "the request could not be read (malformed JSON, form or parameter)",
    401: "no, bad, expired or revoked access token",
    403: "signed in, but not with a role allowed here",
    404: "not found, or not yours",
    409: "conflicts with the current state",
    413: "the request body is too large",
    415: "unsupported media type",
    422: "invalid fields",
    429: "rate limited (see Retry-After)",
    503: "a service the platform depends on is unavailable (see Retry-After)",
}


def _statuses(handler: Any) -> set[int]:
    # 404 everywhere: a path, query or body names something that may not exist (or not
    # be the caller's), e.g. the patient of a new consultation.
    statuses = {400, 404, 422, 429, 503}
    if handler.resolve_guards() or handler.resolve_security():
        statuses |= {401, 403}
    fields = handler.parsed_fn_signature.parameters
    methods = set(handler.http_methods)
    if methods & {"POST", "PUT", "PATCH", "DELETE"}:
        statuses.add(409)
    if "data" in fields:
        statuses |= {413, 415}
    return statuses


def document_problems(app: Any) -> None:
    """Describe on every API route the problem+json answers any route can give (bad input,
    token, role, rate limit, a dependency down, ...): a client, or a fuzzer holding the
    document to its word, then knows every status it may meet. A route's own `responses`
    keep their more precise descriptions."""
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", ()):
            if set(handler.http_methods) <= {"OPTIONS", "HEAD"}:
                continue
            described = {
                status: ResponseSpec(
                    data_container=Problem,
                    description=_WHY[status],
                    media_type="application/problem+json",
                    generate_examples=False,
                )
                for status in sorted(_statuses(handler))
            }
            handler.responses = {**described, **(handler.responses or {})}


def streamed_as(*media_types: str) -> type[Operation]:
    """`operation_class=` of a route whose 200 is a file in one of several formats (the
    handler returns a Stream, which OpenAPI would otherwise describe as JSON)."""

    @dataclass
    class StreamedOperation(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            if isinstance(ok, OpenAPIResponse):
                ok.content = {
                    media_type: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
                    for media_type in media_types
                }

    return StreamedOperation
