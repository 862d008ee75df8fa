"""Free-text fields of medical records: required or optional, trimmed, bounded."""

from __future__ import annotations

from typing import Any

from domain.shared.errors import InvalidInput
from domain.shared.ids import stored_spelling
from domain.shared.text import refuse_control_characters


def required_text(value: Any, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("is required", field=field)
    return bounded(value, field, max_length)


def optional_text(value: Any, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    return bounded(value, field, max_length) if value.strip() else None


def bounded(value: str, field: str, max_length: int) -> str:
    value = refuse_control_characters(value, field).strip()
    if len(value) > max_length:
        raise InvalidInput(f"at most {max_length} characters", field=field)
    return value


def required_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("is required", field=field)
    return stored_spelling(value.strip())
