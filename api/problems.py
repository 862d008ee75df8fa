"""RFC 9457 problem+json for every error, with field errors on validation failures."""

from __future__ import annotations

import dataclasses
import re
from http import HTTPStatus
from typing import Any, get_type_hints

from litestar import MediaType, Request, Response
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import BodyKwarg, ParameterKwarg
from pydantic import BaseModel
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


# Every problem carries a `code` clients may branch on: the domain's own where it raised
# one (`domain.shared.errors`, named the same way), else one for the status, so an error
# the framework raises (an unknown path, a wrong method, an unreadable body) has one too.
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    423: "locked",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def status_code_name(status: int) -> str:
    """The `code` of a problem with this status when nothing more precise is known."""
    return _STATUS_CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str | None = None,
    code: str | None = None,
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
        "code": code or status_code_name(status),
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# Litestar names a field by the handler's argument, and says "'data'" when there is no body.
_BODY = "data"
_NO_BODY = "'data'"
_MISSING = re.compile(r"^Object missing required field `([^`]+)`")


def _handler_fields(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The handler's parameters and those of its dependencies (a dependency may read a
    query parameter too), by argument name."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return {}
    fields: dict[str, Any] = {}
    for provider in handler.resolve_dependencies().values():
        signature = getattr(provider, "parsed_fn_signature", None)
        if signature is not None:
            fields.update(signature.parameters)
    fields.update(handler.parsed_fn_signature.parameters)
    return fields


def _wire_name(field: Any, name: str) -> str:
    """The name the client used: `from` rather than the argument that reads it."""
    kwarg = getattr(field, "kwarg_definition", None)
    if isinstance(kwarg, ParameterKwarg):
        return kwarg.query or kwarg.header or kwarg.cookie or name
    return name


def _body_type(fields: dict[str, Any]) -> Any:
    field = fields.get(_BODY)
    return getattr(field, "annotation", None)


def _required_fields(body_type: Any) -> list[str]:
    if isinstance(body_type, type) and issubclass(body_type, BaseModel):
        return [
            info.alias or name
            for name, info in body_type.model_fields.items()
            if info.is_required()
        ]
    return []


def _is_file_field(body_type: Any, name: str) -> bool:
    if not dataclasses.is_dataclass(body_type):
        return False
    return get_type_hints(body_type).get(name) is UploadFile


def _indexed(key: str) -> str:
    """`medications.0.dosage` as the domain's own errors name it: `medications[0].dosage`."""
    name = ""
    for part in key.split("."):
        name += f"[{part}]" if part.isdigit() and name else f".{part}" if name else part
    return name


def _translated(item: dict[str, Any], fields: dict[str, Any]) -> list[dict[str, str]]:
    key = _indexed(str(item.get("key") or ""))
    message = str(item.get("message", "is invalid"))
    if not key:
        return [{"field": str(item.get("source") or "body"), "message": message}]
    body_type = _body_type(fields)
    if key == _BODY and message == _NO_BODY:
        required = _required_fields(body_type)
        if required:
            return [{"field": name, "message": "Field required"} for name in required]
        return [{"field": "body", "message": "A request body is required"}]
    # msgspec names a missing member in the message, on the object that lacks it.
    missing = _MISSING.match(message)
    if missing:
        prefix = "" if key == _BODY else f"{key}."
        return [{"field": prefix + missing.group(1), "message": "Field required"}]
    if key == _BODY:
        return [{"field": "body", "message": message}]
    if item.get("source") != "body" and key in fields:
        return [{"field": _wire_name(fields[key], key), "message": message}]
    if _is_file_field(body_type, key):
        return [{"field": key, "message": "must be a file"}]
    return [{"field": key, "message": message}]


def _field_errors(extra: Any, request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    items = extra if isinstance(extra, list) else [extra] if extra else []
    fields = _handler_fields(request)
    out: list[dict[str, str]] = []
    for item in items:
        if isinstance(item, dict):
            out.extend(_translated(item, fields))
    return out


def _wrong_media_type(request: Request[Any, Any, Any]) -> bool:
    """A form route sent something else (JSON, say): Litestar's multipart parser fails on
    it as if the form were malformed."""
    field = _handler_fields(request).get(_BODY)
    kwarg = getattr(field, "kwarg_definition", None)
    if not isinstance(kwarg, BodyKwarg) or kwarg.media_type != RequestEncodingType.MULTI_PART:
        return False
    sent = request.headers.get("content-type")
    return bool(sent) and request.content_type[0] != RequestEncodingType.MULTI_PART.value


def _not_multipart() -> Response[Any]:
    return problem(415, "This route takes multipart/form-data")


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    if _wrong_media_type(request):
        return _not_multipart()
    errors = _field_errors(exc.extra, request)
    if not errors:  # malformed body (not JSON, wrong content type...)
        return problem(400, exc.detail or "The request body could not be read")
    return problem(422, "The request has invalid fields", errors=errors)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    headers = dict(exc.headers or {})
    status = exc.status_code
    if status == 400 and exc.detail == "Request Entity Too Large":
        status = 413  # Litestar 2 answers a multipart parser limit with 400 (a FIXME of theirs)
    elif status == 400 and _wrong_media_type(request):
        return _not_multipart()
    detail = exc.detail if status < 500 else "The server could not complete the request"
    if status == 413:
        detail = "The request body is too large"
    errors = _field_errors(exc.extra, request) if exc.extra and status in (400, 422) else None
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


def _raised_reading_request(exc: BaseException) -> bool:
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__", "").startswith(_REQUEST_READERS):
            return True
        traceback = traceback.tb_next
    return False


def handle_undecodable(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """Bytes that are not UTF-8 where text is expected. msgspec's JSON decoder and the
    multipart parser let the UnicodeDecodeError through, so a client's bad body was a 500;
    raised anywhere but while Litestar reads the request, it is still a server fault."""
    if _raised_reading_request(exc):
        return problem(400, "The request body is not valid UTF-8")
    return handle_unexpected(request, exc)


def handle_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """JSON nested about a thousand levels deep: msgspec's decoder gives up with a
    RecursionError, which was a 500 on every JSON route (the login's included). No field
    of ours nests more than a few levels, so such a body is refused as unreadable."""
    if _raised_reading_request(exc):
        return problem(400, "The request body is nested too deeply")
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
    RecursionError: handle_too_deep,
    domain_errors.DomainError: handle_domain,
    RedisConnectionError: handle_unavailable,
    RedisTimeoutError: handle_unavailable,
    ServerSelectionTimeoutError: handle_unavailable,
    AutoReconnect: handle_unavailable,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
