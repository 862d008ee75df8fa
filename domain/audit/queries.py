"""What admins ask of the audit trail: filtered pages, full exports, per-user and
per-patient views. Each filter is an equality on an indexed field, plus a time range."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.accounts.repository import get_patient, get_user
from domain.audit.chain import AUDIT_LOGS
from domain.events import EventType
from domain.shared.clock import iso_z
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.ids import stored_spelling
from domain.shared.parsing import is_iso_date, parse_instant_or_date

EXPORT_FIELDS = (
    "seq", "time", "event_id", "event_type", "category", "action", "outcome", "actor_id",
    "actor_role", "resource_type", "resource_id", "patient_id", "ip", "request_id",
    "user_agent", "prev_hash", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    category: str | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    patient_id: str | None = None
    event_type: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> dict[str, Any]:
        fields = asdict(self)
        since, until = fields.pop("since"), fields.pop("until")
        # Values are compared as plain strings: an operator object smuggled in a query
        # parameter never reaches the store as an operator.
        query: dict[str, Any] = {k: str(v) for k, v in fields.items() if v is not None}
        if since or until:
            window: dict[str, datetime] = {}
            if since:
                window["$gte"] = since
            if until:
                window["$lt"] = until
            query["time"] = window
        return query


def time_window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """The `from` and `to` of a query as [since, until). A date-only `to` means the whole of
    that day, as an admin asking "up to the 5th" expects: it ends at the next midnight (read
    as midnight, the day itself was left out)."""
    start = parse_instant_or_date(since, "from") if since else None
    end = parse_instant_or_date(until, "to") if until else None
    if start is not None and end is not None and start > end:
        # An empty answer here would look like "nothing happened", not like a typo.
        raise InvalidInput("must not be before from", field="to")
    if end is not None and until is not None and is_iso_date(until):
        end += timedelta(days=1)
    return start, end


def view(doc: dict[str, Any]) -> dict[str, Any]:
    """A record as the API shows it: string id, ISO times, no store internals."""
    out: dict[str, Any] = {"id": str(doc["_id"])}
    for field in EXPORT_FIELDS:
        value = doc.get(field)
        out[field] = iso_z(value) if field == "time" and value is not None else value
    return out


async def search(
    db: Any, filters: AuditFilter, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = filters.query()
    cursor = (
        db[AUDIT_LOGS].find(query).sort([("seq", -1)]).skip((page - 1) * page_size).limit(page_size)
    )
    items = [view(doc) async for doc in cursor]
    return items, await db[AUDIT_LOGS].count_documents(query)


async def records(
    db: Any, filters: AuditFilter, batch_size: int = 500
) -> AsyncIterator[dict[str, Any]]:
    """Every matching record in chain order, fetched a batch at a time (memory stays flat
    however large the export)."""
    cursor = db[AUDIT_LOGS].find(filters.query()).sort("seq", 1).batch_size(batch_size)
    async for doc in cursor:
        yield view(doc)


async def export_jsonl(db: Any, filters: AuditFilter) -> AsyncIterator[bytes]:
    async for record in records(db, filters):
        yield (json.dumps(record, separators=(",", ":")) + "\n").encode()


# A spreadsheet opening the CSV runs a cell starting with one of these as a formula
# (OWASP "CSV injection"); the audit trail holds client-chosen text (User-Agent, ids).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The cell as text, never a formula: a leading `'` makes spreadsheets show it as is.
    Only for CSV; JSONL keeps the stored value byte for byte."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


async def export_csv(db: Any, filters: AuditFilter) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", *EXPORT_FIELDS], extrasaction="ignore")
    writer.writeheader()
    rows = 0
    async for record in records(db, filters):
        writer.writerow({key: spreadsheet_safe(value) for key, value in record.items()})
        rows += 1
        if rows % 200 == 0:  # hand out what is buffered every few hundred rows
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def access_log_filter(db: Any, patient_id: str) -> AuditFilter:
    """The reads of one patient's record; an id that is no patient's is a 404, not an
    empty log that would say nobody ever read it."""
    if await get_patient(db, patient_id) is None:
        raise NotFound("patient not found")
    return AuditFilter(
        patient_id=stored_spelling(patient_id), event_type=EventType.RECORD_ACCESSED.value
    )


async def activity_filter(db: Any, user_id: str) -> AuditFilter:
    """What one account did; an id nobody has is a 404 (accounts are deactivated, never
    deleted, so every actor of the trail still has one)."""
    if await get_user(db, user_id) is None:
        raise NotFound("user not found")
    return AuditFilter(actor_id=stored_spelling(user_id))


SECURITY = AuditFilter(category="security")
