"""Joining, reading and leaving the waiting list; the entry's states and its view.

An entry is `waiting`, `offered` (a slot is held for the patient until `offer.expires_at`),
`booked` (the patient booked the offered slot), `left` (the patient left) or `closed` (its
window is over). Times the store must compare are kept as epoch milliseconds too: the
embedded store keeps a datetime written by `$set` as text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from domain.accounts.repository import get_user
from domain.events import (
    Actor,
    Event,
    EventContext,
    EventType,
    Subject,
    new_event,
    publish,
)
from domain.scheduling import repository as schedule
from domain.shared.clock import epoch_ms, iso_z, utcnow
from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.shared.ids import stored_spelling
from domain.shared.parsing import parse_instant
from domain.shared.transaction import run_in_transaction

WAITLIST = "waitlist"
JOIN_LOCKS = "waitlist_join_locks"  # one document per patient who ever joined (see `join`)
ACTIVE = ("waiting", "offered")
STATUSES = ("waiting", "offered", "booked", "left", "closed")
MAX_WINDOW_DAYS = 90
MAX_ACTIVE = 10  # per patient
OFFER_MINUTES = 15  # how long an offered slot is held for the patient

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    # The first one waiting for a doctor's slot; a patient's own entries.
    WAITLIST: [[("doctor_id", 1), ("status", 1), ("created_at", 1)], [("patient_id", 1)]],
}


def entry_view(doc: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "doctor_id": doc["doctor_id"],
        "earliest": iso_z(doc["earliest"]),
        "latest": iso_z(doc["latest"]),
        "status": doc["status"],
        "offer": None,
        "appointment_id": doc.get("appointment_id"),
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
    }
    if doc["status"] == "offered" and doc.get("offer_start"):
        # Kept as ISO text (see the module's docstring); the expiry also as epoch ms.
        view["offer"] = {
            "start": doc["offer_start"],
            "end": doc["offer_end"],
            "expires_at": doc["offer_expires_at"],
        }
    return view


def waitlist_event(
    event_type: str, doc: dict[str, Any], actor: Actor, context: EventContext | None = None,
    **extra: Any,
) -> Event:  # fmt: skip
    return new_event(
        event_type,
        actor=actor,
        subject=Subject(type="waitlist", id=str(doc["_id"])),
        patient_id=doc["patient_id"],
        data={"patient_id": doc["patient_id"], "doctor_id": doc["doctor_id"], **extra},
        context=context,
    )


def _patient(caller: Actor) -> str:
    if caller.role != "patient" or caller.id is None:
        raise Forbidden("only patients wait for slots")
    return caller.id


def _window(body: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    earliest = parse_instant(body.get("earliest"), "earliest")
    latest = parse_instant(body.get("latest"), "latest")
    if latest <= earliest:
        raise InvalidInput("must be after earliest", field="latest")
    if latest <= now:
        raise InvalidInput("must be in the future", field="latest")
    if latest - max(earliest, now) > timedelta(days=MAX_WINDOW_DAYS):
        raise InvalidInput(f"a window spans at most {MAX_WINDOW_DAYS} days", field="latest")
    return earliest, latest


async def join(
    client: Any, db: Any, caller: Actor, body: dict[str, Any], context: EventContext | None = None
) -> dict[str, Any]:
    patient_id = _patient(caller)
    doctor_id = body.get("doctor_id")
    if not isinstance(doctor_id, str) or not doctor_id:
        raise InvalidInput("is required", field="doctor_id")
    doctor_id = stored_spelling(doctor_id)
    now = utcnow()
    earliest, latest = _window(body, now)
    doctor = await get_user(db, doctor_id)
    if doctor is None or not doctor.is_public_doctor:
        raise NotFound("no bookable doctor with this id", field="doctor_id")
    if await schedule.load_availability(db, doctor_id) is None:
        raise NotFound("no bookable doctor with this id", field="doctor_id")
    active = {"patient_id": patient_id, "status": {"$in": list(ACTIVE)}}
    doc = {
        "_id": ObjectId(),
        "patient_id": patient_id,
        "doctor_id": doctor_id,
        "earliest": earliest,
        "latest": latest,
        "earliest_ms": epoch_ms(earliest),
        "latest_ms": epoch_ms(latest),
        "status": "waiting",
        "created_at": now,
        "updated_at": now,
    }

    async def write(session: Any) -> None:
        # Every join of a patient first writes the same document, so two joins at the same
        # instant conflict: one transaction is retried, and its checks below then see the
        # other's entry. Without it both would pass the checks and both insert.
        await db[JOIN_LOCKS].update_one(
            {"_id": patient_id}, {"$inc": {"joins": 1}}, upsert=True, session=session
        )
        if await db[WAITLIST].find_one(
            {**active, "doctor_id": doctor_id}, {"_id": 1}, session=session
        ):
            raise Conflict("you are already waiting for this doctor; leave that entry first")
        if await db[WAITLIST].count_documents(active, session=session) >= MAX_ACTIVE:
            raise Conflict(f"at most {MAX_ACTIVE} waiting-list entries at a time")
        await db[WAITLIST].insert_one(doc, session=session)
        event = waitlist_event(
            EventType.WAITLIST_JOINED, doc, caller, context,
            earliest=iso_z(earliest), latest=iso_z(latest),
        )  # fmt: skip
        await publish(db, event, session=session)

    await run_in_transaction(client, write)
    return entry_view(doc)


async def own_entry(db: Any, caller: Actor, entry_id: str) -> dict[str, Any]:
    """The caller's entry; anyone else's, like a missing one, is a 404."""
    patient_id = _patient(caller)
    doc = None
    if ObjectId.is_valid(entry_id):
        doc = await db[WAITLIST].find_one({"_id": ObjectId(entry_id), "patient_id": patient_id})
    if doc is None:
        raise NotFound("waiting-list entry not found")
    return dict(doc)


async def entry_for(db: Any, caller: Actor, entry_id: str) -> dict[str, Any]:
    return entry_view(await own_entry(db, caller, entry_id))


async def my_entries(
    db: Any, caller: Actor, *, status: str | None, page: int, page_size: int
) -> dict[str, Any]:
    query: dict[str, Any] = {"patient_id": _patient(caller)}
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"one of {', '.join(STATUSES)}", field="status")
        query["status"] = status
    cursor = (
        db[WAITLIST]
        .find(query)
        .sort([("created_at", -1), ("_id", -1)])
        .skip((page - 1) * page_size)
        .limit(page_size)
    )
    items = [entry_view(doc) async for doc in cursor]
    total = await db[WAITLIST].count_documents(query)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


async def mark_booked(db: Any, entry_id: str, appointment_id: str, session: Any) -> None:
    """In the booking's transaction: the patient booked the slot offered to them."""
    await db[WAITLIST].update_one(
        {"_id": ObjectId(entry_id), "status": "offered"},
        {"$set": {"status": "booked", "appointment_id": appointment_id, "updated_at": utcnow()}},
        session=session,
    )
