"""Time helpers shared by every area: UTC instants out as ISO 8601 with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, to the millisecond the store keeps: what a write answers (or pushes live) is
    then what a read of the same document returns, not a time a few microseconds off."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def as_utc(value: datetime | str) -> datetime:
    """Naive values are taken as UTC (what the store hands back without tz_aware).

    A string is accepted too: the embedded store keeps a datetime written by `$set` as its
    text ("2027-01-04 09:00:00.000000"), so values read back may be either.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def epoch_ms(moment: datetime | str) -> int:
    """Milliseconds since the epoch: what the store compares exactly (the embedded one
    compares a datetime in an update's filter to the second, and keeps one written by
    `$set` as text)."""
    return int(as_utc(moment).timestamp() * 1000)


def iso_z(value: datetime | str) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")
