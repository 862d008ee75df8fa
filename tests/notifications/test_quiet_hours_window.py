"""When a recipient's quiet hours end, if now falls in them: across midnight, on the days
clocks change, and the windows a client may and may not set."""

from datetime import UTC, datetime, time

import pytest

from domain.notifications.quiet_hours import (
    QuietHours,
    held_until,
    parse_quiet_hours,
    quiet_until,
)
from domain.shared.errors import InvalidInput

PARIS, NEW_YORK = "Europe/Paris", "America/New_York"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def window(start: str, end: str, zone: str = PARIS) -> QuietHours:
    return parse_quiet_hours({"start": start, "end": end, "timezone": zone})


@pytest.mark.parametrize(
    ("now", "ends"),
    [
        ("2025-01-15T20:59:59", None),  # 21:59:59 in Paris (UTC+1): not yet
        ("2025-01-15T21:00:00", "2025-01-16T06:00:00"),  # 22:00 sharp: until 07:00 tomorrow
        ("2025-01-15T22:59:00", "2025-01-16T06:00:00"),  # 23:59, before midnight
        ("2025-01-15T23:00:00", "2025-01-16T06:00:00"),  # midnight
        ("2025-01-16T05:59:59", "2025-01-16T06:00:00"),  # 06:59:59: until this morning
        ("2025-01-16T06:00:00", None),  # 07:00 sharp: over
        ("2025-01-16T11:00:00", None),  # midday
    ],
)
def test_a_window_across_midnight(now: str, ends: str | None) -> None:
    until = quiet_until(window("22:00", "07:00"), utc(now))
    assert until == (utc(ends) if ends else None)


@pytest.mark.parametrize(
    ("now", "ends"),
    [
        ("2025-01-15T12:29:00", None),  # 13:29
        ("2025-01-15T12:30:00", "2025-01-15T13:00:00"),  # 13:30 → 14:00
        ("2025-01-15T12:59:59", "2025-01-15T13:00:00"),
        ("2025-01-15T13:00:00", None),
    ],
)
def test_a_window_within_one_day(now: str, ends: str | None) -> None:
    until = quiet_until(window("13:30", "14:00"), utc(now))
    assert until == (utc(ends) if ends else None)


def test_the_night_clocks_go_forward_is_an_hour_shorter() -> None:
    # Paris, 30 March 2025: 02:00 CET becomes 03:00 CEST. 22:00 CET is 21:00Z, 07:00 CEST 05:00Z.
    nightly = window("22:00", "07:00")
    assert quiet_until(nightly, utc("2025-03-29T21:00:00")) == utc("2025-03-30T05:00:00")
    assert quiet_until(nightly, utc("2025-03-30T04:59:59")) == utc("2025-03-30T05:00:00")
    assert quiet_until(nightly, utc("2025-03-30T05:00:00")) is None
    # The next evening starts at 22:00 summer time (20:00Z).
    assert quiet_until(nightly, utc("2025-03-30T19:59:00")) is None
    assert quiet_until(nightly, utc("2025-03-30T20:00:00")) == utc("2025-03-31T05:00:00")


def test_the_night_clocks_go_back_is_an_hour_longer() -> None:
    # Paris, 26 October 2025: 03:00 CEST becomes 02:00 CET. 22:00 CEST is 20:00Z, 07:00 CET 06:00Z.
    nightly = window("22:00", "07:00")
    assert quiet_until(nightly, utc("2025-10-25T19:59:59")) is None
    assert quiet_until(nightly, utc("2025-10-25T20:00:00")) == utc("2025-10-26T06:00:00")
    assert quiet_until(nightly, utc("2025-10-26T05:00:00")) == utc("2025-10-26T06:00:00")
    assert quiet_until(nightly, utc("2025-10-26T06:00:00")) is None


def test_an_end_in_the_skipped_hour_ends_when_the_clocks_jump() -> None:
    # 02:30 does not exist in Paris on 30 March 2025: the clocks jump at 01:00Z.
    assert quiet_until(window("23:00", "02:30"), utc("2025-03-29T23:30:00")) == utc(
        "2025-03-30T01:00:00"
    )
    # A start in the skipped hour starts when the clocks jump.
    early = window("02:30", "06:00")
    assert quiet_until(early, utc("2025-03-30T00:59:59")) is None
    assert quiet_until(early, utc("2025-03-30T01:00:00")) == utc("2025-03-30T04:00:00")


def test_an_end_in_the_repeated_hour_ends_the_first_time_round() -> None:
    # 02:30 happens twice in Paris on 26 October 2025 (00:30Z in summer time, 01:30Z in
    # winter time): the window ends at the first and does not open again for the second.
    short = window("01:00", "02:30")
    assert quiet_until(short, utc("2025-10-25T23:30:00")) == utc("2025-10-26T00:30:00")
    assert quiet_until(short, utc("2025-10-26T00:30:00")) is None
    assert quiet_until(short, utc("2025-10-26T01:10:00")) is None


def test_new_york_changes_on_other_days_than_paris() -> None:
    nightly = window("21:00", "06:30", NEW_YORK)
    # 9 March 2025, 02:00 EST → 03:00 EDT: 21:00 EST is 02:00Z, 06:30 EDT 10:30Z.
    assert quiet_until(nightly, utc("2025-03-09T02:00:00")) == utc("2025-03-09T10:30:00")
    # 2 November 2025, 02:00 EDT → 01:00 EST: 21:00 EDT is 01:00Z, 06:30 EST 11:30Z.
    assert quiet_until(nightly, utc("2025-11-02T01:00:00")) == utc("2025-11-02T11:30:00")
    # Paris is still on winter time on 9 March: 22:00-07:00 CET as on any January night.
    assert quiet_until(window("22:00", "07:00"), utc("2025-03-09T21:00:00")) == utc(
        "2025-03-10T06:00:00"
    )


def test_security_alerts_never_wait() -> None:
    nightly = window("22:00", "07:00")
    at_night = utc("2025-01-15T23:00:00")
    assert held_until(nightly, "appointments", at_night) == utc("2025-01-16T06:00:00")
    assert held_until(nightly, "security", at_night) is None
    assert held_until(None, "appointments", at_night) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "22:00", "end": "22:00", "timezone": PARIS}, "quiet_hours.end"),
        ({"start": "24:00", "end": "07:00", "timezone": PARIS}, "quiet_hours.start"),
        ({"start": "7:00", "end": "22:00", "timezone": PARIS}, "quiet_hours.start"),
        ({"start": "22:00", "end": "07:60", "timezone": PARIS}, "quiet_hours.end"),
        ({"start": "22:00", "end": "07:00:00", "timezone": PARIS}, "quiet_hours.end"),
        ({"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}, "quiet_hours.timezone"),
        ({"start": "22:00", "end": "07:00", "timezone": "../etc/passwd"}, "quiet_hours.timezone"),
        ({"start": "22:00", "end": "07:00", "timezone": ""}, "quiet_hours.timezone"),
    ],
)
def test_windows_that_are_refused(body: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_quiet_hours(body)
    assert refused.value.field == field


def test_a_window_keeps_its_wall_clock_times() -> None:
    parsed = window("22:15", "06:45", NEW_YORK)
    assert parsed == QuietHours(time(22, 15), time(6, 45), NEW_YORK)
    assert parsed.as_dict() == {"start": "22:15", "end": "06:45", "timezone": NEW_YORK}
