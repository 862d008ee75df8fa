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
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.scheduling.rules import check_zone, parse_hhmm
from domain.shared.clock import as_utc, first_instant_showing
from domain.shared.errors import InvalidInput

FIELD = "quiet_hours"
NEVER_WAITS = frozenset({"security"})


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
        start = first_instant_showing(day, window.start, zone)
        end_day = day + timedelta(days=1) if crosses_midnight else day
        end = first_instant_showing(end_day, window.end, zone)
        if start <= now < end:
            return end
    return None
