"""Time helpers shared by every area: UTC instants out as ISO 8601 with `Z`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


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


_SECOND = timedelta(seconds=1)


def first_instant_showing(day: date, wall: time, zone: tzinfo) -> datetime:
    """The first instant (UTC) at which the clocks of `zone` show `wall` or later on `day`:
    a repeated wall time (the fall-back hour) is its first occurrence, and one the clocks
    skip (the spring-forward hour) is the instant they jump. (zoneinfo alone reads a
    skipped time with the offset before the jump: an instant an hour past it.)"""
    first = datetime.combine(day, wall, tzinfo=zone)  # fold=0: the earlier of a repeated time
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == first.replace(tzinfo=None):
        return instant
    # `wall` falls in the hour the clocks skip. Read with the offset after the jump it lies
    # before the jump, with the offset before it after: the jump is in between.
    before, after = first.replace(fold=1).astimezone(UTC), instant
    offset_before = before.astimezone(zone).utcoffset()
    while after - before > _SECOND:
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    # Zones change offset on a whole second: the one the search narrowed down to.
    whole = after.replace(microsecond=0)
    return whole if whole.astimezone(zone).utcoffset() != offset_before else whole + _SECOND
