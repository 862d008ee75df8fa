"""OpenAPI descriptions of the problem+json answers a route can give."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec
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
    code: str | None = Field(None, description="stable machine-readable reason")
    errors: list[FieldError] | None = Field(None, description="on validation failures")


def problems(**described: str) -> dict[int, ResponseSpec]:
    """`problems(_401="bad credentials")` → the `responses=` of a route handler."""
    return {
        int(status.lstrip("_")): ResponseSpec(
            data_container=Problem, description=text, media_type="application/problem+json"
        )
        for status, text in described.items()
    }
