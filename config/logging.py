"""Structured logging (structlog) shared by every process.

Values under sensitive keys are masked, and anything that looks like a JWT, a bcrypt hash
or a presigned-URL signature is masked wherever it appears, so logs never carry secrets.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

SENSITIVE_KEYS = frozenset(
    {
        "password", "new_password", "current_password", "token", "access_token",
        "refresh_token", "authorization", "cookie", "secret", "jwt_secret", "api_key",
        "password_hash", "token_hash", "mfa_token", "code",
    }
)  # fmt: skip
MASK = "***"
_SECRET_PATTERNS = [
    re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"),  # JWT
    re.compile(r"\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}"),  # bcrypt hash
    re.compile(r"(X-Amz-Signature|Signature|X-Amz-Credential|X-Amz-Security-Token)=[^&\s\"']+"),
    re.compile(r"(token)=[^&\s\"']+"),
]


def scrub_text(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + "=" if m.lastindex else "") + MASK, text)
    return text


def _scrub(value: Any, key: str | None = None) -> Any:
    if key is not None and key.lower() in SENSITIVE_KEYS:
        return MASK
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact_processor(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    return {key: _scrub(value, key) for key, value in event.items()}


def configure_logging(level: str = "INFO", json_output: bool = True, process: str = "") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Chatty libraries: keep their warnings, drop their info.
    for noisy in ("aiokafka", "kafka", "botocore", "urllib3", "mode", "faust", "pymongo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if process:
        structlog.contextvars.bind_contextvars(process=process)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
