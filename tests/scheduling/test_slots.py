"""Slot computation in the doctor's zone, across daylight-saving changes."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.scheduling import compute_slots, parse_availability
from domain.scheduling.slots import find_slot
from domain.shared.errors import InvalidInput

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def weekdays(zone: str, start: str = "09:00", end: str = "12:00", minutes: int = 30):  # type: ignore[no-untyped-def]
    return parse_availability(
        "d1",
        {
            "timezone": zone,
            "slot_minutes": minutes,
            "weekly": [{"weekday": d, "start": start, "end": end} for d in range(7)],
        },
    )


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def starts_on(slots, day: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.as_dict()["start"] for s in slots if s.start.date().isoformat() == day]


def test_paris_spring_forward_week_moves_utc_slots_one_hour_earlier() -> None:
    # 2027-03-28 (Sunday) Paris goes from UTC+1 to UTC+2 at 02:00 local.
    slots = compute_slots(
        weekdays("Europe/Paris"), date(2027, 3, 26), date(2027, 3, 29), now=LONG_AGO
    )
    assert starts_on(slots, "2027-03-26")[0] == "2027-03-26T08:00:00Z"  # 09:00 CET
    assert starts_on(slots, "2027-03-29")[0] == "2027-03-29T07:00:00Z"  # 09:00 CEST
    assert starts_on(slots, "2027-03-29")[-1] == "2027-03-29T09:30:00Z"  # last 11:30 local
    assert all(len(starts_on(slots, d)) == 6 for d in ("2027-03-26", "2027-03-28", "2027-03-29"))


def test_paris_fall_back_week_moves_utc_slots_one_hour_later() -> None:
    # 2027-10-31 (Sunday) Paris goes from UTC+2 back to UTC+1 at 03:00 local.
    slots = compute_slots(
        weekdays("Europe/Paris"), date(2027, 10, 29), date(2027, 11, 1), now=LONG_AGO
    )
    assert starts_on(slots, "2027-10-29")[0] == "2027-10-29T07:00:00Z"
    assert starts_on(slots, "2027-11-01")[0] == "2027-11-01T08:00:00Z"


def test_night_window_over_the_change_counts_real_elapsed_time() -> None:
    night = weekdays("Europe/Paris", start="01:00", end="04:00", minutes=60)
    spring = compute_slots(night, date(2027, 3, 28), date(2027, 3, 28), now=LONG_AGO)
    autumn = compute_slots(night, date(2027, 10, 31), date(2027, 10, 31), now=LONG_AGO)
    # 01:00-04:00 local lasts two hours in spring and four in autumn.
    assert [s.as_dict()["start"] for s in spring] == [
        "2027-03-28T00:00:00Z",
        "2027-03-28T01:00:00Z",
    ]
    assert [s.as_dict()["start"] for s in autumn] == [
        "2027-10-30T23:00:00Z",
        "2027-10-31T00:00:00Z",
        "2027-10-31T01:00:00Z",
        "2027-10-31T02:00:00Z",
    ]
    assert len({s.start for s in autumn}) == 4  # no slot twice


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "expected"),
    [
        # Paris jumps from 02:00 CET to 03:00 CEST (01:00Z): a rule ending in the gap ends
        # at the jump, one starting in it starts there.
        ("Europe/Paris", "2027-03-28", "00:00", "02:30", ["23:00", "23:30", "00:00", "00:30"]),
        ("Europe/Paris", "2027-03-28", "01:30", "02:30", ["00:30"]),
        ("Europe/Paris", "2027-03-28", "02:30", "04:00", ["01:00", "01:30"]),
        # New York jumps from 02:00 EST to 03:00 EDT (07:00Z).
        ("America/New_York", "2027-03-14", "01:30", "02:30", ["06:30"]),
        ("America/New_York", "2027-03-14", "02:30", "04:00", ["07:00", "07:30"]),
    ],
)
def test_a_rule_that_starts_or_ends_in_the_spring_forward_gap_stops_at_the_jump(
    zone: str, day: str, start: str, end: str, expected: list[str]
) -> None:
    """Before, 02:30 read as an instant an hour past the jump: a doctor stopping at 02:30
    was booked until 03:30, one starting at 02:30 lost the 03:00 slot."""
    on = date.fromisoformat(day)
    slots = compute_slots(weekdays(zone, start, end), on, on, now=LONG_AGO)
    assert [s.start.strftime("%H:%M") for s in slots] == expected
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_tunis_keeps_utc_plus_one_through_the_paris_changes() -> None:
    tunis = weekdays("Africa/Tunis")
    for first, last in (
        (date(2027, 3, 26), date(2027, 3, 29)),
        (date(2027, 10, 29), date(2027, 11, 1)),
    ):
        slots = compute_slots(tunis, first, last, now=LONG_AGO)
        days = sorted({s.start.date() for s in slots})
        assert len(days) == 4
        for day in days:
            assert starts_on(slots, day.isoformat())[0] == f"{day.isoformat()}T08:00:00Z"


def test_past_slots_busy_intervals_and_time_off_are_left_out() -> None:
    availability = weekdays("Africa/Tunis")
    now = z("2027-05-03T08:45:00Z")  # 09:45 in Tunis
    held = (z("2027-05-03T09:00:00Z"), z("2027-05-03T09:30:00Z"))
    time_off = (z("2027-05-03T09:40:00Z"), z("2027-05-03T10:10:00Z"))
    slots = compute_slots(
        availability, date(2027, 5, 3), date(2027, 5, 3), now=now, busy=[held, time_off]
    )
    assert [s.as_dict()["start"] for s in slots] == ["2027-05-03T10:30:00Z"]


def test_a_long_interval_blocks_past_shorter_ones_that_start_later() -> None:
    availability = weekdays("UTC")
    time_off = (z("2027-05-03T09:00:00Z"), z("2027-05-03T11:00:00Z"))
    short = (z("2027-05-03T09:30:00Z"), z("2027-05-03T09:40:00Z"))  # starts later, ends sooner
    touching = (z("2027-05-03T11:30:00Z"), z("2027-05-03T12:00:00Z"))  # ends as the day ends
    slots = compute_slots(
        availability,
        date(2027, 5, 3),
        date(2027, 5, 3),
        now=LONG_AGO,
        busy=[touching, short, time_off],
    )
    assert [s.as_dict()["start"] for s in slots] == ["2027-05-03T11:00:00Z"]


def test_find_slot_only_accepts_slot_starts() -> None:
    availability = weekdays("Europe/Paris")
    assert find_slot(availability, z("2027-03-29T07:30:00Z")) is not None
    assert find_slot(availability, z("2027-03-29T07:10:00Z")) is None
    assert find_slot(availability, z("2027-03-29T06:30:00Z")) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus", "slot_minutes": 30, "weekly": []}, "timezone"),
        ({"timezone": "../etc/passwd", "slot_minutes": 30, "weekly": []}, "timezone"),
        # In the zone database, but not places: the server's own zone, a placeholder, a
        # zone counting leap seconds.
        ({"timezone": "localtime", "slot_minutes": 30, "weekly": []}, "timezone"),
        ({"timezone": "Factory", "slot_minutes": 30, "weekly": []}, "timezone"),
        ({"timezone": "right/UTC", "slot_minutes": 30, "weekly": []}, "timezone"),
        ({"timezone": "UTC", "slot_minutes": 2, "weekly": []}, "slot_minutes"),
        ({"timezone": "UTC", "slot_minutes": 600, "weekly": []}, "slot_minutes"),
        (
            {
                "timezone": "UTC",
                "slot_minutes": 30,
                "weekly": [{"weekday": 7, "start": "09:00", "end": "10:00"}],
            },
            "weekly[0].weekday",
        ),
        (
            {
                "timezone": "UTC",
                "slot_minutes": 30,
                "weekly": [{"weekday": 1, "start": "9h", "end": "10:00"}],
            },
            "weekly[0].start",
        ),
        (
            {
                "timezone": "UTC",
                "slot_minutes": 30,
                "weekly": [{"weekday": 1, "start": "11:00", "end": "10:00"}],
            },
            "weekly[0].end",
        ),
        (
            {
                "timezone": "UTC",
                "slot_minutes": 30,
                "weekly": [{"weekday": 1, "start": "09:00", "end": "09:10"}],
            },
            "weekly[0]",
        ),
        (
            {
                "timezone": "UTC",
                "slot_minutes": 30,
                "weekly": [
                    {"weekday": 1, "start": "09:00", "end": "12:00"},
                    {"weekday": 1, "start": "11:00", "end": "13:00"},
                ],
            },
            "weekly",
        ),
    ],
)
def test_bad_availability_is_refused_with_its_field(body, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as error:
        parse_availability("d1", body)
    assert error.value.field == field


def test_an_unknown_zone_is_named_but_not_echoed_whole() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_availability("d1", {"timezone": "X" * 5000, "slot_minutes": 30, "weekly": []})
    assert refused.value.field == "timezone" and len(refused.value.detail) < 100
