"""RFC 9457 problem+json for every error, with field errors on validation failures."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.middleware.request_id import request_id_of
from config.logging import get_logger
from domain.shared import errors as domain_errors

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)
# Where Litestar reads a request: a UnicodeDecodeError raised there is the client's bytes.
_REQUEST_READERS = ("litestar._kwargs.", "litestar.connection.", "litestar._multipart")

_DOMAIN_STATUS: dict[type[domain_errors.DomainError], int] = {
    domain_errors.NotFound: 404,
    domain_errors.Conflict: 409,
    domain_errors.InvalidInput: 422,
    domain_errors.Unauthenticated: 401,
    domain_errors.Forbidden: 403,
    domain_errors.Locked: 423,
    domain_errors.TooLarge: 413,
    domain_errors.UnsupportedMediaType: 415,
    domain_errors.RateLimited: 429,
    domain_errors.ServiceUnavailable: 503,
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": type_ or f"https://esante.dev/problems/{phrase.lower().replace(' ', '-')}",
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(extra: Any) -> list[dict[str, str]]:
    items = extra if isinstance(extra, list) else [extra] if extra else []
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(
                {
                    "field": str(item.get("key") or item.get("source") or "body"),
                    "message": str(item.get("message", "is invalid")),
                }
            )
    return out


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _field_errors(exc.extra)
    if not errors:  # malformed body (not JSON, wrong content type...)
        return problem(400, exc.detail or "The request body could not be read")
    return problem(422, "The request has invalid fields", errors=errors)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    headers = dict(exc.headers or {})
    status = exc.status_code
    if status == 400 and exc.detail == "Request Entity Too Large":
        status = 413  # Litestar 2 answers a multipart parser limit with 400 (a FIXME of theirs)
    detail = exc.detail if status < 500 else "The server could not complete the request"
    if status == 413:
        detail = "The request body is too large"
    errors = _field_errors(exc.extra) if exc.extra and status in (400, 422) else None
    return problem(status, detail, errors=errors, headers=headers or None)


def handle_domain(request: Request[Any, Any, Any], exc: domain_errors.DomainError) -> Response[Any]:
    status = next((code for cls, code in _DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
    headers = None
    retry_after = getattr(exc, "retry_after", None)  # rate limits, locked accounts
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    elif isinstance(exc, domain_errors.Unauthenticated):
        headers = {"WWW-Authenticate": 'Bearer realm="esante"'}  # every 401 names its scheme
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    return problem(status, exc.detail, errors=errors, headers=headers, code=exc.code)


def handle_undecodable(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """Bytes that are not UTF-8 where text is expected. msgspec's JSON decoder and the
    multipart parser let the UnicodeDecodeError through, so a client's bad body was a 500;
    raised anywhere but while Litestar reads the request, it is still a server fault."""
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__", "").startswith(_REQUEST_READERS):
            return problem(400, "The request body is not valid UTF-8")
        traceback = traceback.tb_next
    return handle_unexpected(request, exc)


def handle_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.warning("dependency_unavailable", error=type(exc).__name__, path=request.url.path)
    return problem(
        503,
        "A service the platform depends on is unavailable; try again shortly",
        headers={"Retry-After": "5"},
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled_error", path=request.url.path)  # the log line carries request_id
    # The body says nothing about the failure itself, so it names the request instead: the
    # id a client can quote to find this log line (the X-Request-ID header is easily lost).
    return problem(
        500, "The server could not complete the request", request_id=request_id_of(request.scope)
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: handle_validation,
    HTTPException: handle_http,
    UnicodeDecodeError: handle_undecodable,
    domain_errors.DomainError: handle_domain,
    RedisConnectionError: handle_unavailable,
    RedisTimeoutError: handle_unavailable,
    ServerSelectionTimeoutError: handle_unavailable,
    AutoReconnect: handle_unavailable,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
