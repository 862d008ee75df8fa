"""Parsing of contract values (instants, dates) into domain types, with field errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.shared.clock import as_utc
from domain.shared.errors import InvalidInput


def parse_instant(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time; one without an offset is read as UTC."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and value:
        try:
            return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise InvalidInput("must be an ISO 8601 date-time such as 2027-01-04T09:00:00Z", field=field)


def parse_date(value: Any, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput("must be a date YYYY-MM-DD", field=field)
