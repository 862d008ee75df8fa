"""Quiet hours: a daily window, on the recipient's wall clock, when email and push wait.

The window runs from `start` to `end` local time and may cross midnight (22:00-07:00). It
is made of instants, not of wall-clock readings: each day's window starts at the first
instant the local clock shows `start` or later and ends at the first instant it shows
`end` or later. So on the night clocks go forward an `end` that does not exist (02:30 in
a 02:00 → 03:00 jump) ends the window when the clocks jump, and on the night they go back
the window ends at the first 02:30, without opening again when the hour repeats.

In-app notifications never wait, and neither do security alerts: one that arrives hours
after a lockout or a password change is of no use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.scheduling.rules import check_zone, parse_hhmm
from domain.shared.clock import as_utc
from domain.shared.errors import InvalidInput

FIELD = "quiet_hours"
NEVER_WAITS = frozenset({"security"})
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class QuietHours:
    start: time  # wall clock in `timezone`
    end: time
    timezone: str

    def as_dict(self) -> dict[str, str]:
        return {
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "timezone": self.timezone,
        }


def parse_quiet_hours(body: dict[str, Any]) -> QuietHours:
    """Validate a window as a client sends it; every problem names its field."""
    start = parse_hhmm(body.get("start"), f"{FIELD}.start")
    end = parse_hhmm(body.get("end"), f"{FIELD}.end")
    zone = check_zone(body.get("timezone"), f"{FIELD}.timezone")
    if start == end:
        raise InvalidInput(
            "must differ from start (a window from a time to the same time is empty)",
            field=f"{FIELD}.end",
        )
    return QuietHours(start, end, zone)


def quiet_hours_from(stored: dict[str, Any] | None) -> QuietHours | None:
    """The window kept in a preferences document, or None when there is none."""
    raw = (stored or {}).get(FIELD)
    if not isinstance(raw, dict):
        return None
    try:
        return parse_quiet_hours(raw)
    except InvalidInput:  # pragma: no cover - only valid windows are ever stored
        return None


def held_until(window: QuietHours | None, category: str, now: datetime) -> datetime | None:
    """Until when email and push of a `category` notification wait at `now` (None: they go
    now)."""
    if window is None or category in NEVER_WAITS:
        return None
    return quiet_until(window, now)


def quiet_until(window: QuietHours, now: datetime) -> datetime | None:
    """When the window that `now` falls in ends (UTC), or None when `now` is outside it."""
    now = as_utc(now)
    zone = ZoneInfo(window.timezone)
    today = now.astimezone(zone).date()
    crosses_midnight = window.end < window.start
    # Only a window that started yesterday or today can hold now.
    for day in (today - timedelta(days=1), today):
        start = _first_instant_showing(day, window.start, zone)
        end_day = day + timedelta(days=1) if crosses_midnight else day
        end = _first_instant_showing(end_day, window.end, zone)
        if start <= now < end:
            return end
    return None


def _first_instant_showing(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clocks of `zone` show `wall` or later on `day`."""
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
