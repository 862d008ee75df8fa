"""Parsing of contract values (instants, dates) into domain types, with field errors.

Dates and instants are held to EARLIEST..LATEST: far wider than any appointment, time off,
waiting window, birth date or audit range, and far enough from the ends of `datetime`
(years 1 and 9999) that adding a day, or a zone's offset, can no longer overflow (it was a
500).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.shared.clock import as_utc
from domain.shared.errors import InvalidInput

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def check_date_range(day: date, field: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(f"must be between {EARLIEST} and {LATEST}", field=field)
    return day


def parse_instant(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset (`Z`, `+01:00`). One without names no
    instant: read as UTC, a client's local 09:00 silently became 09:00Z."""
    moment = value if isinstance(value, datetime) else _iso_datetime(value)
    if moment is None:
        raise InvalidInput(
            "must be an ISO 8601 date-time such as 2027-01-04T09:00:00Z", field=field
        )
    if moment.tzinfo is None:
        raise InvalidInput("must include a UTC offset, e.g. Z", field=field)
    # Before the conversion to UTC, which overflows at the ends (0001-01-01T00:00:00+01:00).
    check_date_range(moment.date(), field)
    return as_utc(moment)


def parse_instant_or_date(value: Any, field: str) -> datetime:
    """An instant as parse_instant takes it, or a date alone: that day's midnight UTC."""
    if isinstance(value, str) and is_iso_date(value):
        return datetime.combine(parse_date(value, field), datetime.min.time(), UTC)
    return parse_instant(value, field)


def is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_date(value: Any, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return check_date_range(value, field)
    if isinstance(value, str):
        try:
            return check_date_range(date.fromisoformat(value), field)
        except ValueError:
            pass
    raise InvalidInput("must be a date YYYY-MM-DD", field=field)
