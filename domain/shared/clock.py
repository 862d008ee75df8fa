"""Time helpers shared by every area: UTC instants out as ISO 8601 with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive values are taken as UTC (what the store hands back without tz_aware)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")
