"""Availability as the doctor states it, and the checks that keep it meaningful."""

from __future__ import annotations

import itertools
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from domain.shared.errors import InvalidInput
from domain.shared.parsing import parse_instant
from domain.shared.text import refuse_control_characters

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240
MAX_RULES = 70
MAX_TIME_OFF_DAYS = 366
MAX_NOTICE_HOURS = 24 * 30
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class WeeklyRule:
    weekday: int  # 0 = Monday .. 6 = Sunday
    start: time  # wall clock in the doctor's zone
    end: time

    def as_dict(self) -> dict[str, Any]:
        return {
            "weekday": self.weekday,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }


@dataclass(frozen=True)
class Availability:
    doctor_id: str
    timezone: str
    slot_minutes: int
    weekly: tuple[WeeklyRule, ...] = field(default_factory=tuple)
    # A patient cancels at least this long before the start (0: up to the start).
    cancellation_notice_hours: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def as_dict(self) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "timezone": self.timezone,
            "slot_minutes": self.slot_minutes,
            "weekly": [rule.as_dict() for rule in self.weekly],
        }
        if self.cancellation_notice_hours:
            # Only when set: without it, GET gives back exactly what was PUT.
            stored["cancellation_notice_hours"] = self.cancellation_notice_hours
        return stored


@dataclass(frozen=True)
class TimeOff:
    start: datetime  # UTC
    end: datetime
    reason: str | None = None


def parse_hhmm(value: Any, field_name: str) -> time:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidInput("must be a time HH:MM (00:00 to 23:59)", field=field_name)
    return time(int(match.group(1)), int(match.group(2)))


# Names the time zone database holds that are not places: the host's own zone (a schedule
# would follow the server), a placeholder, and the template of POSIX rules.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_PLACES)


def check_zone(name: Any, field_name: str = "timezone") -> str:
    if not isinstance(name, str) or not name:
        raise InvalidInput("must be an IANA time zone such as Europe/Paris", field=field_name)
    if name not in iana_zones():
        shown = name if len(name) <= 64 else f"{name[:64]}…"  # not a client's whole payload
        raise InvalidInput(f"unknown time zone {shown!r}", field=field_name)
    return name


def parse_notice_hours(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NOTICE_HOURS:
        raise InvalidInput(
            f"must be a whole number of hours from 0 to {MAX_NOTICE_HOURS}",
            field="cancellation_notice_hours",
        )
    return value


def parse_availability(doctor_id: str, body: dict[str, Any]) -> Availability:
    """Validate what a doctor sends; every problem names its field."""
    zone = check_zone(body.get("timezone"))
    slot = body.get("slot_minutes")
    if isinstance(slot, bool) or not isinstance(slot, int):
        raise InvalidInput("must be a whole number of minutes", field="slot_minutes")
    if not MIN_SLOT_MINUTES <= slot <= MAX_SLOT_MINUTES:
        raise InvalidInput(
            f"must be between {MIN_SLOT_MINUTES} and {MAX_SLOT_MINUTES}", field="slot_minutes"
        )
    raw_rules = body.get("weekly")
    if not isinstance(raw_rules, list):
        raise InvalidInput("must be a list of weekly rules", field="weekly")
    if len(raw_rules) > MAX_RULES:
        raise InvalidInput(f"at most {MAX_RULES} rules", field="weekly")
    rules: list[WeeklyRule] = []
    for index, raw in enumerate(raw_rules):
        where = f"weekly[{index}]"
        if not isinstance(raw, dict):
            raise InvalidInput("must be an object {weekday, start, end}", field=where)
        weekday = raw.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise InvalidInput("must be 0 (Monday) to 6 (Sunday)", field=f"{where}.weekday")
        start = parse_hhmm(raw.get("start"), f"{where}.start")
        end = parse_hhmm(raw.get("end"), f"{where}.end")
        if end <= start:
            raise InvalidInput("must be after start", field=f"{where}.end")
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes < slot:
            raise InvalidInput("is shorter than one slot", field=where)
        rules.append(WeeklyRule(weekday, start, end))
    rules.sort(key=lambda r: (r.weekday, r.start))
    for before, after in itertools.pairwise(rules):
        if before.weekday == after.weekday and after.start < before.end:
            raise InvalidInput(
                f"rules overlap on weekday {after.weekday} ({before.start:%H:%M}-"
                f"{before.end:%H:%M} and {after.start:%H:%M}-{after.end:%H:%M})",
                field="weekly",
            )
    notice = parse_notice_hours(body.get("cancellation_notice_hours"))
    return Availability(doctor_id, zone, slot, tuple(rules), notice)


def parse_time_off(body: dict[str, Any]) -> TimeOff:
    parsed = [parse_instant(body.get(name), name) for name in ("start", "end")]
    if parsed[1] <= parsed[0]:
        raise InvalidInput("must be after start", field="end")
    if (parsed[1] - parsed[0]).days > MAX_TIME_OFF_DAYS:
        raise InvalidInput(f"time off lasts at most {MAX_TIME_OFF_DAYS} days", field="end")
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise InvalidInput("must be text of at most 500 characters", field="reason")
    if reason is not None:
        refuse_control_characters(reason, "reason")
    return TimeOff(parsed[0], parsed[1], reason)


def availability_from_doc(doc: dict[str, Any]) -> Availability:
    return Availability(
        doctor_id=str(doc["_id"]),
        timezone=doc["timezone"],
        slot_minutes=int(doc["slot_minutes"]),
        weekly=tuple(
            WeeklyRule(
                int(r["weekday"]), parse_hhmm(r["start"], "start"), parse_hhmm(r["end"], "end")
            )
            for r in doc.get("weekly", [])
        ),
        cancellation_notice_hours=int(doc.get("cancellation_notice_hours") or 0),
    )
