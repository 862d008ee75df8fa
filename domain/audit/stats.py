"""Figures for the admin dashboard, computed with queries both stores run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.audit.chain import AUDIT_LOGS


async def _counts_by(db: Any, collection: str, field: str) -> dict[str, int]:
    pipeline = [{"$group": {"_id": f"${field}", "count": {"$sum": 1}}}]
    rows = await db[collection].aggregate(pipeline).to_list(None)
    return {str(row["_id"]): int(row["count"]) for row in rows if row["_id"] is not None}


async def events_per_day(db: Any, days: int, today: date | None = None) -> list[dict[str, Any]]:
    """Audit records per UTC day, oldest first, zero days included."""
    today = today or datetime.now(UTC).date()
    out = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        count = await db[AUDIT_LOGS].count_documents(
            {"time": {"$gte": start, "$lt": start + timedelta(days=1)}}
        )
        out.append({"date": day.isoformat(), "count": count})
    return out


async def platform_stats(db: Any, days: int = 14) -> dict[str, Any]:
    return {
        "users_by_role": await _counts_by(db, "users", "role"),
        "appointments_by_status": await _counts_by(db, "appointments", "status"),
        "events_per_day": await events_per_day(db, days),
        "audit_records": await db[AUDIT_LOGS].estimated_document_count(),
    }
