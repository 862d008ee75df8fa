"""A patient's view of who read their record, from the audit trail (reads of others only)."""

from __future__ import annotations

from typing import Any

from domain.accounts.repository import USERS
from domain.audit.chain import AUDIT_LOGS  # written by the audit processor
from domain.events import Actor, EventType
from domain.records.collections import object_id
from domain.shared.clock import iso_z
from domain.shared.errors import Forbidden


async def _names(db: Any, user_ids: set[str]) -> dict[str, str]:
    oids = [oid for oid in (object_id(u) for u in user_ids) if oid is not None]
    if not oids:
        return {}
    cursor = db[USERS].find({"_id": {"$in": oids}}, {"first_name": 1, "last_name": 1})
    return {
        str(doc["_id"]): f"{doc.get('first_name', '')} {doc.get('last_name', '')}".strip()
        async for doc in cursor
    }


async def my_access_log(db: Any, caller: Actor, *, page: int, page_size: int) -> dict[str, Any]:
    if caller.role != "patient" or caller.id is None:
        raise Forbidden("only patients have an access log of their own")
    query = {
        "patient_id": caller.id,
        "event_type": EventType.RECORD_ACCESSED.value,
        "actor_id": {"$ne": caller.id},
    }
    cursor = (
        db[AUDIT_LOGS]
        .find(query)
        .sort([("time", -1), ("seq", -1)])
        .skip((page - 1) * page_size)
        .limit(page_size)
    )
    records = [doc async for doc in cursor]
    names = await _names(db, {str(r["actor_id"]) for r in records if r.get("actor_id")})
    items = [
        {
            "id": str(r["_id"]),
            "accessed_at": iso_z(r["time"]),
            "actor_id": r.get("actor_id"),
            "actor_role": r.get("actor_role"),
            "actor_name": names.get(str(r.get("actor_id"))),
            "resource_type": r.get("resource_type"),
            "resource_id": r.get("resource_id"),
        }
        for r in records
    ]
    total = await db[AUDIT_LOGS].count_documents(query)
    return {"items": items, "total": total, "page": page, "page_size": page_size}
