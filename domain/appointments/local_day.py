"""The day an appointment falls on where its doctor works.

`GET /appointments?from=&to=` reads its dates as local days in each appointment's doctor's
zone, like `/doctors/{id}/slots` does: a Los Angeles doctor's Monday 18:00 is Monday, not
Tuesday 02:00Z. Each appointment therefore stores `local_date` ("YYYY-MM-DD" in the zone
it was booked in, which it keeps as `timezone`), and the list filters on that field, so a
page and its total come out of one query whatever the zones of its rows.

Appointments stored before this field existed are dated once, when a web process starts
(`domain/indexes.py`), and the run is recorded, so a start does not scan every
appointment; one written by a web process of the previous release during a rolling deploy
stays undated and is found by unfiltered lists only.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.appointments.repository import APPOINTMENTS
from domain.shared.clock import as_utc
from domain.shared.migrations import run_once

DONE_ID = "appointments.local_date"


def local_date(start: datetime | str, zone: tzinfo) -> str:
    return as_utc(start).astimezone(zone).date().isoformat()


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name)) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC  # what the list assumed for every appointment before


async def date_old_appointments(db: Any) -> None:
    await run_once(db, DONE_ID, _date_undated)


async def _date_undated(db: Any) -> None:
    undated = db[APPOINTMENTS].find({"local_date": None}, {"start": 1, "timezone": 1})
    async for doc in undated:
        day = local_date(doc["start"], _zone(doc.get("timezone")))
        await db[APPOINTMENTS].update_one(
            {"_id": doc["_id"], "local_date": None}, {"$set": {"local_date": day}}
        )
